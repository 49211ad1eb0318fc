#!/usr/bin/env python3
"""Writes the seed corpora of fuzz/corpus/<harness>/: small valid files of each format, plus a
few edge cases (empty, truncated, zero-sized, big-endian, gzip). Standard library only, plus a
C compiler and stb (libstb-dev) for the JPEG seed. Run by hand: python3 fuzz/make_corpus.py
The files are committed; the fuzzers add what they find to their own working corpus."""
import gzip, json, os, struct, subprocess, tempfile, zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(harness, name, data):
    os.makedirs(os.path.join(ROOT, harness), exist_ok=True)
    with open(os.path.join(ROOT, harness, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# --- safetensors: 8-byte little-endian header length, JSON header, data.
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def f32(*values):
    return struct.pack("<%df" % len(values), *values)


put("safetensors", "f32_f64_i64", safetensors([("w", "F32", [2, 3], f32(1, 2, 3, 4, 5, 6)),
                                               ("d", "F64", [2], struct.pack("<2d", 0.5, -1)),
                                               ("n", "I64", [], struct.pack("<q", 7))], {"epoch": "3"}))
put("safetensors", "empty_tensor", safetensors([("e", "F32", [0, 4], b"")]))
put("safetensors", "no_tensors", safetensors([]))
put("safetensors", "truncated", safetensors([("w", "F32", [4], f32(1, 2, 3, 4))])[:-5])
put("safetensors", "nested_header", struct.pack("<Q", 16) + b'{"a":[[[[[1]]]]]}'[:16])

# The model harness loads into Dense(4, 3), ReLU, Dense(3, 2).
config = {"model": {"input_shape": [4], "layers": [{"type": "dense", "units": 3}, "relu", {"type": "dense", "units": 2}]}}
model = [("layers.0.weight", "F32", [3, 4], f32(*range(12))), ("layers.0.bias", "F32", [3], f32(0, 1, 2)),
         ("layers.2.weight", "F32", [2, 3], f32(*range(6))), ("layers.2.bias", "F32", [2], f32(0, 1))]
put("model", "dense_4_3_2", safetensors(model, {"soma.config": json.dumps(config)}))
put("model", "missing_bias", safetensors(model[:3]))
put("model", "wrong_shape", safetensors([("layers.0.weight", "F32", [4, 3], f32(*range(12)))] + model[1:]))
put("model", "f64", safetensors([(n, "F64", s, struct.pack("<%dd" % (len(r) // 4), *struct.unpack("<%df" % (len(r) // 4), r)))
                                 for n, _, s, r in model]))

put("checkpoint", "small", safetensors([("model.layers.0.weight", "F32", [2, 2], f32(1, 2, 3, 4)),
                                        ("optimizer.state.0.exp_avg", "F32", [2, 2], f32(0, 0, 0, 0))],
                                       {"soma.checkpoint": "1", "epoch": "2", "step": "17", "lr": "0.001",
                                        "rng.noise": "12 34"}))
put("checkpoint", "newer_version", safetensors([], {"soma.checkpoint": "2"}))
put("checkpoint", "not_checkpoint", safetensors([("w", "F32", [1], f32(1))]))


# --- NPY: magic, version, header length, a Python dict literal padded to 64 bytes, data.
def npy(descr, shape, raw, version=(1, 0), fortran=False):
    shape_text = "(%s)" % (", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    text = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_text)
    length_size = 2 if version[0] == 1 else 4
    pad = -(6 + 2 + length_size + len(text) + 1) % 64
    text = (text + " " * pad + "\n").encode()
    length = struct.pack("<H" if length_size == 2 else "<I", len(text))
    return b"\x93NUMPY" + bytes(version) + length + text + raw


put("npy", "f4_2x3", npy("<f4", [2, 3], f32(*range(6))))
put("npy", "f8_v2", npy("<f8", [2], struct.pack("<2d", 1.5, 2), version=(2, 0)))
put("npy", "i8_scalar", npy("<i8", [], struct.pack("<q", -3)))
put("npy", "u1_v3", npy("|u1", [4], bytes([0, 1, 128, 255]), version=(3, 0)))
put("npy", "zero_size", npy("<f4", [0, 5], b""))
put("npy", "big_endian", npy(">f4", [1], b"\0\0\0\0"))
put("npy", "fortran", npy("<f4", [1], f32(1), fortran=True))


# --- IDX: 00 00 type ndim, big-endian uint32 dimensions, big-endian data.
def idx(code, dims, raw):
    return bytes([0, 0, code, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + raw


images = idx(0x08, [2, 3, 3], bytes(range(18)))
put("idx", "ubyte_2x3x3", images)
put("idx", "labels", idx(0x08, [3], bytes([1, 9, 0])))
put("idx", "int16", idx(0x0B, [2], struct.pack(">2h", -2, 300)))
put("idx", "int32", idx(0x0C, [1, 2], struct.pack(">2i", 5, -6)))
put("idx", "float32", idx(0x0D, [2], struct.pack(">2f", 0.5, 3)))
put("idx", "float64", idx(0x0E, [1], struct.pack(">d", 2)))
put("idx", "sbyte", idx(0x09, [2], bytes([0x80, 0x7F])))
put("idx", "gzip", gzip.compress(images, mtime=0))
put("idx", "truncated", images[:-4])
for name in ("ubyte_2x3x3", "labels", "int16", "float32"):  # idx_gz gzips its input itself
    with open(os.path.join(ROOT, "idx", name), "rb") as f:
        put("idx_gz", name, f.read())

# --- CSV: the first byte picks the options (csv.cpp): bit 0 header, bits 1-2 label column,
# bits 3-4 delimiter (, ; tab space).
put("csv", "header_label", b"\x03" + b"a,b,label\n1,2.5,0\n-3,4e2,1\n")
put("csv", "no_header", b"\x00" + b"1,2,3\n4,5,6\n")
put("csv", "quoted_crlf", b"\x05" + b'\xef\xbb\xbf"x","y"\r\n" 1 ","2"\r\n\r\n3,"4"\r\n')
put("csv", "semicolon_nan", b"\x09" + b"p;q\nnan;inf\n-inf;1\n")
put("csv", "ragged", b"\x01" + b"a,b\n1\n")

# --- run folder tables (metrics.csv, steps.csv as RunFolderSink writes them).
put("run_table", "metrics", "epoch,loss,accuracy,val_loss,val_accuracy\n1,0.5,0.8,0.6,NA\n2,0.4,0.85,0.5,0.8\n")
put("run_table", "steps", "step,epoch,loss,lr\n1,1,2.3,0.001\n2,1,2.1,0.001\n3,1,1.9")
put("run_table", "empty", "")

# --- JSON: configs, a run folder's config.json and run.json.
configs = os.path.join(os.path.dirname(ROOT), "..", "configs")
for name in ("xor", "mlp_fashion", "cnn_fashion", "rbm_fashion", "vae_fashion"):
    with open(os.path.join(configs, name + ".json"), "rb") as f:
        put("config", name, f.read())
put("config", "run_json", json.dumps({"seed": 0, "version": "0.1.0", "machine": "x (2 cores)", "threads": 2,
                                      "status": "finished", "started": "2026-12-07T08:00:00Z"}, indent=2))
put("config", "model_only", json.dumps(config))
put("config", "nested", "{\"a\":" + "[" * 99 + "]" * 99 + "}")
put("config", "duplicate_key", '{"epochs": 1, "epochs": 2}')


# --- images: PNG and BMP written here, JPEG with stb_image_write (libstb-dev).
def png(width, height, colour_type, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    raw = b"".join(b"\0" + bytes(r) for r in rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def bmp(width, height):  # 24-bit, bottom-up, rows padded to 4 bytes
    row = bytes(range(3 * width)) + b"\0" * (-3 * width % 4)
    pixels = row * height
    return (b"BM" + struct.pack("<IHHI", 54 + len(pixels), 0, 0, 54) +
            struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, len(pixels), 2835, 2835, 0, 0) + pixels)


put("image", "grey_4x3.png", png(4, 3, 0, [[0, 64, 128, 255]] * 3))
put("image", "rgb_2x2.png", png(2, 2, 2, [[255, 0, 0, 0, 255, 0], [0, 0, 255, 9, 9, 9]]))
put("image", "rgba_1x1.png", png(1, 1, 6, [[1, 2, 3, 4]]))
put("image", "rgb_3x2.bmp", bmp(3, 2))
with tempfile.TemporaryDirectory() as tmp:
    src, exe, out = os.path.join(tmp, "j.c"), os.path.join(tmp, "j"), os.path.join(tmp, "a.jpg")
    with open(src, "w") as f:
        f.write('#define STB_IMAGE_WRITE_IMPLEMENTATION\n#include <stb/stb_image_write.h>\n'
                'int main(int c, char** v) { unsigned char p[8 * 8 * 3];\n'
                '  for (int i = 0; i < 8 * 8 * 3; ++i) p[i] = (unsigned char)(i * 7);\n'
                '  return !stbi_write_jpg(v[1], 8, 8, 3, p, 90); }\n')
    subprocess.run(["cc", "-o", exe, src, "-lm"], check=True)
    subprocess.run([exe, out], check=True)
    with open(out, "rb") as f:
        put("image", "rgb_8x8.jpg", f.read())
