#!/usr/bin/python3
# Writes tests/io/data/python_fixture.safetensors with a safetensors writer written from the
# format description (no `safetensors` package needed), so soma's reader is checked against a
# file it did not write; safetensors_test.cpp holds the same values. Run by hand, never by tests:
#   /usr/bin/python3 tests/io/make_fixture.py              # (re)writes the fixture
#   /usr/bin/python3 tests/io/make_fixture.py --read FILE  # prints a file, e.g. one soma wrote
import json
import os
import struct
import sys

import numpy as np
import torch

DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}  # little-endian, as in the file
NAMES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}


def read_safetensors(path):
    """The reader of docs/serialization.md: returns ({name: tensor}, metadata)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]])
        tensors[name] = torch.from_numpy(array.astype(array.dtype.newbyteorder("="))).reshape(info["shape"])
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} in the given order; the header is padded with spaces to 8 bytes."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        blob = t.contiguous().numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def fixture():
    tensors = {
        "weight": torch.tensor([[0.5, -1.25, 2.0], [3.0, 0.1, -7.5]], dtype=torch.float32),
        "scale": torch.tensor(3.141592653589793, dtype=torch.float64),
        "labels": torch.tensor([0, -1, 2**40, 9], dtype=torch.int64),
        "empty": torch.zeros(0, 4, dtype=torch.float32),
    }
    return tensors, {"source": "make_fixture.py", "format": "pt"}


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--read":
        tensors, metadata = read_safetensors(sys.argv[2])
        print("metadata", metadata)
        for name, t in tensors.items():
            print(name, t.dtype, list(t.shape), t.flatten().tolist())
    else:
        out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "python_fixture.safetensors")
        os.makedirs(os.path.dirname(out), exist_ok=True)
        tensors, metadata = fixture()
        write_safetensors(out, tensors, metadata)
        back, back_metadata = read_safetensors(out)  # the writer and the reader agree
        assert back_metadata == metadata and list(back) == list(tensors)
        assert all(torch.equal(back[k], tensors[k]) for k in tensors)
        print("wrote", out)
