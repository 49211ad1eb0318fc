#!/usr/bin/python3
# Converts a torchvision model's weights to a safetensors file that soma's models/ layouts load
# with io::load (docs/models.md, "The zoo"): the state dict as it is, float32, names unchanged.
#   /usr/bin/python3 scripts/torchvision_to_safetensors.py vgg16 vgg16.safetensors
#   /usr/bin/python3 scripts/torchvision_to_safetensors.py resnet50 r50.safetensors --weights IMAGENET1K_V1
# Without --weights it writes a freshly initialized model (useful to check names and shapes).
# Needs python3-torch and python3-torchvision (Debian); pretrained weights are downloaded by
# torchvision into its cache the first time. Not a soma dependency: soma itself never runs it.
import argparse
import json
import struct

import torch
import torchvision


def save_safetensors(path, state):
    header, offset, blobs = {}, 0, []
    for name, t in state.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}.get(t.dtype)
        if dtype is None:
            t, dtype = t.float(), "F32"
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("model", help="a torchvision.models name: alexnet, vgg11 ... vgg19_bn, resnet50, googlenet")
    p.add_argument("output", help="the .safetensors file to write")
    p.add_argument("--weights", default=None, help="torchvision weights name, e.g. IMAGENET1K_V1 (default: none)")
    args = p.parse_args()
    kwargs = {"weights": args.weights}
    if args.model == "googlenet" and args.weights is None:
        kwargs.update(aux_logits=False, init_weights=True)  # the layout soma's googlenet() has
    model = getattr(torchvision.models, args.model)(**kwargs)
    state = model.state_dict()
    save_safetensors(args.output, state)
    print(f"{args.output}: {len(state)} tensors, {sum(p.numel() for p in model.parameters())} parameters")
    if args.model == "googlenet":
        print("note: build it in soma with models::googlenet({.transform_input = true}) for torchvision's "
              "pretrained weights (they expect it)")


if __name__ == "__main__":
    main()
