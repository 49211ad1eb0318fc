// Shape ops: forward and backward side by side. reshape, flatten, squeeze, unsqueeze and
// contiguous slices are views (a new TensorImpl on the input's Storage); the rest copy.
// They only move bytes, so one code path serves every dtype (int64 labels included), and
// every copy is a loop of memcpy over contiguous blocks — except permute when the innermost
// axis moves, which becomes a tiled 2-D transpose.
#include "soma/ops/view.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>
#include <string>

#include "soma/autograd/function.h"
#include "soma/core/factory.h"

namespace soma {

using autograd::Grads;
using autograd::needs_grad;
using autograd::record;

namespace {

void check_defined(const Tensor& x, const char* op) {
  SOMA_CHECK(x.defined(), op, ": the input tensor is undefined");
}

template <class Int>
std::string list_str(std::span<const Int> values) {
  std::ostringstream os;
  os << '[';
  for (std::size_t i = 0; i < values.size(); ++i) os << (i ? ", " : "") << values[i];
  os << ']';
  return os.str();
}

// Normalizes a possibly negative axis among `n` positions (n = x.dim() + 1 where an axis is inserted).
int normalize_axis(int axis, int n, const char* op, const Shape& shape) {
  const int a = axis < 0 ? axis + n : axis;
  SOMA_CHECK(a >= 0 && a < n, op, ": axis ", axis, " is out of range for shape ", shape,
             n == 0 ? std::string(" (a scalar has no axes)")
                    : " (valid: " + std::to_string(-n) + " to " + std::to_string(n - 1) + ")");
  return a;
}

std::int64_t product(const Shape& s, int begin, int end) {
  std::int64_t p = 1;
  for (int i = begin; i < end; ++i) p *= s[i];
  return p;
}

char* bytes_of(const Tensor& t) { return static_cast<char*>(t.raw_data()); }

// A tensor of `shape` on x's storage, `offset` elements further in (no copy, no graph).
Tensor alias(const Tensor& x, const Shape& shape, std::int64_t offset) {
  return Tensor(make_ref<TensorImpl>(x.impl()->storage, x.impl()->offset + offset, shape, x.dtype()));
}

// The view behind reshape, flatten, squeeze and unsqueeze; recorded under the caller's name so
// that graph errors say which op it was. The gradient is the output gradient, viewed back.
Tensor reshaped(const Tensor& x, const Shape& shape, const char* op) {
  Tensor y = alias(x, shape, 0);
  if (needs_grad(x))
    record(y, op, {&x}, [shape = x.shape()](const Tensor& gy, Grads& g) { g[0] = alias(gy, shape, 0); });
  return y;
}

// ---- permute ----

// Axes to walk in row-major order, each with its stride in the source and the destination.
struct Walk {
  int n = 0;
  std::array<std::int64_t, Shape::kMaxDims> size{}, src{}, dst{};
};

// Calls f(src_offset, dst_offset) for every position of the walk, row-major. Offsets advance
// like an odometer, with no division per position.
template <class F>
void walk(const Walk& w, F&& f) {
  std::array<std::int64_t, Shape::kMaxDims> index{};
  std::int64_t s = 0, d = 0;
  for (;;) {
    f(s, d);
    int i = w.n - 1;
    for (; i >= 0; --i) {
      s += w.src[i];
      d += w.dst[i];
      if (++index[i] < w.size[i]) break;
      s -= w.src[i] * w.size[i];
      d -= w.dst[i] * w.size[i];
      index[i] = 0;
    }
    if (i < 0) return;
  }
}

// dst[r * dst_row + c] = src[r + c * src_col] over an rows x cols plane. In 8 x 8 tiles, the
// inner loop reading the contiguous source: the tile's 8 destination lines stay in L1. This
// measured 2-3x faster than 32 x 32 tiles on power-of-two sizes, where wide tiles' strided
// lines collide in the same cache sets.
template <class T>
void transpose_plane(const T* src, std::int64_t src_col, T* dst, std::int64_t dst_row, std::int64_t rows,
                     std::int64_t cols) {
  constexpr std::int64_t kTile = 8;
  for (std::int64_t r0 = 0; r0 < rows; r0 += kTile)
    for (std::int64_t c0 = 0; c0 < cols; c0 += kTile) {
      const std::int64_t r1 = std::min(r0 + kTile, rows), c1 = std::min(c0 + kTile, cols);
      for (std::int64_t c = c0; c < c1; ++c)
        for (std::int64_t r = r0; r < r1; ++r) dst[r * dst_row + c] = src[r + c * src_col];
    }
}

// out = x with out axis i taken from x axis order[i]. Size-1 axes are dropped and output axes
// that stay neighbours in x are merged, so [N, T, F] -> [T, N, F] copies rows of F with memcpy
// and a matrix transpose is a single plane. Single-threaded on purpose, like every copy here:
// a copy is bound by memory, and on the busy 2-core target OpenMP copies measured up to 40x
// slower than serial ones.
template <class T>
void permute_copy(const T* src, const Shape& shape, const std::vector<int>& order, T* dst) {
  const int dim = shape.dim();
  std::array<std::int64_t, Shape::kMaxDims> in_stride{};
  for (std::int64_t i = dim - 1, s = 1; i >= 0; --i) {
    in_stride[i] = s;
    s *= shape[int(i)];
  }
  // (size, source stride) of each output axis, merged; destination strides follow from sizes.
  std::array<std::int64_t, Shape::kMaxDims> size{}, stride{};
  int m = 0;
  for (int i = 0; i < dim; ++i) {
    const std::int64_t n = shape[order[i]], s = in_stride[order[i]];
    if (n == 1) continue;
    if (m > 0 && stride[m - 1] == s * n) {
      size[m - 1] *= n;
      stride[m - 1] = s;
    } else {
      size[m] = n;
      stride[m++] = s;
    }
  }
  if (shape.numel() == 0) return;
  if (m == 0) {
    dst[0] = src[0];
    return;
  }
  std::array<std::int64_t, Shape::kMaxDims> out_stride{};
  for (std::int64_t i = m - 1, s = 1; i >= 0; --i) {
    out_stride[i] = s;
    s *= size[i];
  }
  // x's contiguous axis lands on output axis p; the walk covers every other axis but the last.
  const int p = int(std::find(stride.begin(), stride.begin() + m, 1) - stride.begin());
  Walk w;
  for (int i = 0; i + 1 < m; ++i)
    if (i != p) {
      w.size[w.n] = size[i];
      w.src[w.n] = stride[i];
      w.dst[w.n++] = out_stride[i];
    }
  if (p == m - 1) {  // the innermost axis stays innermost: whole rows move with memcpy
    const std::int64_t row = size[m - 1];
    walk(w, [&](std::int64_t s, std::int64_t d) { std::memcpy(dst + d, src + s, row * sizeof(T)); });
  } else {
    walk(w, [&](std::int64_t s, std::int64_t d) {
      transpose_plane(src + s, stride[m - 1], dst + d, out_stride[p], size[p], size[m - 1]);
    });
  }
}

// Copies by element width: permute never looks at values, so int64 and double share a path.
Tensor permuted(const Tensor& x, const std::vector<int>& order) {
  Shape out;
  for (int a : order) out.push_back(x.shape()[a]);
  Tensor y(out, x.dtype());
  auto copy = [&]<class Bits>() {
    permute_copy(static_cast<const Bits*>(x.raw_data()), x.shape(), order, static_cast<Bits*>(y.raw_data()));
  };
  if (size_of(x.dtype()) == 4) copy.template operator()<std::uint32_t>();
  else copy.template operator()<std::uint64_t>();
  return y;
}

// permute's forward and backward; transpose records under its own name.
Tensor permute_recorded(const Tensor& x, const std::vector<int>& order, const char* op) {
  Tensor y = permuted(x, order);
  if (needs_grad(x)) {
    std::vector<int> inverse(order.size());
    for (std::size_t i = 0; i < order.size(); ++i) inverse[order[i]] = int(i);
    record(y, op, {&x}, [inverse = std::move(inverse)](const Tensor& gy, Grads& g) { g[0] = permuted(gy, inverse); });
  }
  return y;
}

// ---- cat and stack ----

// Copies between a tensor seen as [outer, block] and columns [at, at + block) of one seen as
// [outer, width]; to_wide picks the direction (forward of cat/stack, or backward).
void copy_columns(const Tensor& narrow, const Tensor& wide, std::int64_t outer, std::int64_t block,
                  std::int64_t width, std::int64_t at, bool to_wide) {
  const std::size_t e = size_of(wide.dtype());
  char* n = bytes_of(narrow);
  char* w = bytes_of(wide) + at * e;
  for (std::int64_t o = 0; o < outer; ++o)
    if (to_wide) std::memcpy(w + o * width * e, n + o * block * e, block * e);
    else std::memcpy(n + o * block * e, w + o * width * e, block * e);
}

// cat and stack both lay tensor i out as [outer, blocks[i]] side by side in [outer, sum].
Tensor join(const std::vector<Tensor>& xs, std::int64_t outer, std::vector<std::int64_t> blocks,
            const Shape& out_shape, const char* op) {
  Tensor y(out_shape, xs[0].dtype());
  std::int64_t width = 0;
  for (auto b : blocks) width += b;
  for (std::size_t i = 0, at = 0; i < xs.size(); at += blocks[i], ++i)
    copy_columns(xs[i], y, outer, blocks[i], width, std::int64_t(at), true);
  if (needs_grad(std::span<const Tensor>(xs))) {
    std::vector<const Tensor*> inputs;
    std::vector<Shape> shapes;
    for (const auto& x : xs) {
      inputs.push_back(&x);
      shapes.push_back(x.shape());
    }
    record(y, op, inputs,
           [outer, width, blocks = std::move(blocks), shapes = std::move(shapes)](const Tensor& gy, Grads& g) {
             for (std::size_t i = 0, at = 0; i < blocks.size(); at += blocks[i], ++i)
               if (g.needed(i)) {
                 g[i] = Tensor(shapes[i], gy.dtype());
                 copy_columns(g[i], gy, outer, blocks[i], width, std::int64_t(at), false);
               }
           });
  }
  return y;
}

// Shared checks of cat and stack: a non-empty list of defined tensors of one dtype.
void check_list(const std::vector<Tensor>& xs, const char* op) {
  SOMA_CHECK(!xs.empty(), op, ": expected at least one tensor, got none");
  for (std::size_t i = 0; i < xs.size(); ++i) {
    SOMA_CHECK(xs[i].defined(), op, ": tensor ", i, " is undefined");
    SOMA_CHECK(xs[i].dtype() == xs[0].dtype(), op, ": tensor ", i, " is ", name_of(xs[i].dtype()),
               " but tensor 0 is ", name_of(xs[0].dtype()), " (shapes ", xs[i].shape(), " and ", xs[0].shape(), ")");
  }
}

}  // namespace

// ---- views ----

Tensor reshape(const Tensor& x, std::initializer_list<std::int64_t> sizes) {
  check_defined(x, "reshape");
  const std::span<const std::int64_t> list(sizes.begin(), sizes.size());
  SOMA_CHECK(sizes.size() <= std::size_t(Shape::kMaxDims), "reshape: at most ", Shape::kMaxDims,
             " dimensions, got ", list_str(list));
  int inferred = -1;
  std::int64_t known = 1;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i] == -1) {
      SOMA_CHECK(inferred < 0, "reshape: only one size may be -1, got ", list_str(list));
      inferred = int(i);
    } else {
      SOMA_CHECK(list[i] >= 0, "reshape: sizes must be non-negative (or one -1), got ", list_str(list));
      known *= list[i];
    }
  }
  // NOTE: Shape rejects negative sizes, so the -1 is filled in before a Shape is built.
  std::array<std::int64_t, Shape::kMaxDims> filled{};
  std::copy(list.begin(), list.end(), filled.begin());
  if (inferred >= 0) {
    SOMA_CHECK(known != 0, "reshape: cannot reshape ", x.shape(), " into ", list_str(list),
               ": the -1 is ambiguous when the other sizes multiply to 0");
    SOMA_CHECK(x.numel() % known == 0, "reshape: cannot reshape ", x.shape(), " (", x.numel(),
               " elements) into ", list_str(list), ": the -1 cannot be inferred (", x.numel(),
               " is not a multiple of ", known, ")");
    filled[inferred] = x.numel() / known;
  }
  return reshape(x, Shape(std::span<const std::int64_t>(filled.data(), list.size())));
}

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape");
  SOMA_CHECK(shape.numel() == x.numel(), "reshape: cannot reshape ", x.shape(), " (", x.numel(), " elements) into ",
             shape, " (", shape.numel(), " elements)");
  return reshaped(x, shape, "reshape");
}

Tensor flatten(const Tensor& x, int start, int end) {
  check_defined(x, "flatten");
  const int s = normalize_axis(start, x.dim(), "flatten", x.shape());
  const int e = normalize_axis(end, x.dim(), "flatten", x.shape());
  SOMA_CHECK(s <= e, "flatten: start axis ", start, " comes after end axis ", end, " in shape ", x.shape());
  Shape out;
  for (int i = 0; i < s; ++i) out.push_back(x.shape()[i]);
  out.push_back(product(x.shape(), s, e + 1));
  for (int i = e + 1; i < x.dim(); ++i) out.push_back(x.shape()[i]);
  return reshaped(x, out, "flatten");
}

Tensor squeeze(const Tensor& x, int axis) {
  check_defined(x, "squeeze");
  const int a = normalize_axis(axis, x.dim(), "squeeze", x.shape());
  SOMA_CHECK(x.shape()[a] == 1, "squeeze: axis ", axis, " of shape ", x.shape(), " has size ", x.shape()[a],
             "; only an axis of size 1 can be removed");
  Shape out;
  for (int i = 0; i < x.dim(); ++i)
    if (i != a) out.push_back(x.shape()[i]);
  return reshaped(x, out, "squeeze");
}

Tensor unsqueeze(const Tensor& x, int axis) {
  check_defined(x, "unsqueeze");
  SOMA_CHECK(x.dim() < Shape::kMaxDims, "unsqueeze: shape ", x.shape(), " already has the maximum of ",
             Shape::kMaxDims, " dimensions");
  const int a = normalize_axis(axis, x.dim() + 1, "unsqueeze", x.shape());
  Shape out;
  for (int i = 0; i < x.dim(); ++i) {
    if (i == a) out.push_back(1);
    out.push_back(x.shape()[i]);
  }
  if (a == x.dim()) out.push_back(1);
  return reshaped(x, out, "unsqueeze");
}

// ---- copies ----

Tensor transpose(const Tensor& x, int axis0, int axis1) {
  check_defined(x, "transpose");
  const int a = normalize_axis(axis0, x.dim(), "transpose", x.shape());
  const int b = normalize_axis(axis1, x.dim(), "transpose", x.shape());
  std::vector<int> order(x.dim());
  for (int i = 0; i < x.dim(); ++i) order[i] = i;
  std::swap(order[a], order[b]);
  return permute_recorded(x, order, "transpose");
}

Tensor permute(const Tensor& x, const std::vector<int>& order) {
  check_defined(x, "permute");
  const int dim = x.dim();
  std::vector<int> normalized(order.size());
  std::vector<bool> seen(dim, false);
  bool valid = int(order.size()) == dim;
  for (std::size_t i = 0; valid && i < order.size(); ++i) {
    const int a = order[i] < 0 ? order[i] + dim : order[i];
    valid = a >= 0 && a < dim && !seen[a];
    if (valid) {
      seen[a] = true;
      normalized[i] = a;
    }
  }
  SOMA_CHECK(valid, "permute: order ", list_str(std::span<const int>(order)), " is not a permutation of the ", dim,
             " axes of shape ", x.shape());
  return permute_recorded(x, normalized, "permute");
}

Tensor slice(const Tensor& x, int axis, std::int64_t start, std::int64_t end, std::int64_t step) {
  check_defined(x, "slice");
  const int a = normalize_axis(axis, x.dim(), "slice", x.shape());
  SOMA_CHECK(step > 0, "slice: step must be positive, got ", step, " (axis ", axis, " of shape ", x.shape(), ")");
  const std::int64_t n = x.shape()[a];
  auto clip = [n](std::int64_t i) { return std::clamp(i < 0 ? i + n : i, std::int64_t(0), n); };
  start = clip(start);
  end = clip(end);
  const std::int64_t len = end > start ? (end - start + step - 1) / step : 0;
  const std::int64_t outer = product(x.shape(), 0, a), inner = product(x.shape(), a + 1, x.dim());
  Shape out = x.shape();
  out[a] = len;

  Tensor y;
  if (outer == 1 && step == 1) {  // one contiguous run of x: a view
    y = alias(x, out, start * inner);
  } else {
    y = Tensor(out, x.dtype());
    const std::size_t e = size_of(x.dtype());
    const char* src = bytes_of(x);
    char* dst = bytes_of(y);
    for (std::int64_t o = 0; o < outer; ++o) {
      const char* s = src + (o * n + start) * inner * e;
      char* d = dst + o * len * inner * e;
      if (step == 1) std::memcpy(d, s, len * inner * e);
      else
        for (std::int64_t k = 0; k < len; ++k) std::memcpy(d + k * inner * e, s + k * step * inner * e, inner * e);
    }
  }
  if (needs_grad(x))
    record(y, "slice", {&x}, [shape = x.shape(), outer, n, inner, start, step, len](const Tensor& gy, Grads& g) {
      // the gradient of the elements the slice skipped is zero
      g[0] = zeros(shape, gy.dtype());
      const std::size_t e = size_of(gy.dtype());
      const char* src = bytes_of(gy);
      char* dst = bytes_of(g[0]);
      for (std::int64_t o = 0; o < outer; ++o)
        for (std::int64_t k = 0; k < len; ++k)
          std::memcpy(dst + ((o * n + start + k * step) * inner) * e, src + (o * len + k) * inner * e, inner * e);
    });
  return y;
}

Tensor index_select(const Tensor& x, const Tensor& index) {
  check_defined(x, "index_select");
  SOMA_CHECK(index.defined(), "index_select: the index tensor is undefined");
  SOMA_CHECK(x.dim() >= 1, "index_select: expected a tensor with at least one axis, got shape ", x.shape());
  SOMA_CHECK(index.dtype() == DType::i64, "index_select: the index must be int64, got ", name_of(index.dtype()));
  SOMA_CHECK(index.dim() == 1, "index_select: the index must be 1-D [K], got shape ", index.shape());
  const std::int64_t n = x.size(0), row = product(x.shape(), 1, x.dim()), k_count = index.numel();
  const std::int64_t* idx = index.data<std::int64_t>();
  for (std::int64_t k = 0; k < k_count; ++k)
    SOMA_CHECK(idx[k] >= 0 && idx[k] < n, "index_select: index ", idx[k], " is out of range for axis 0 of size ", n,
               " (at position ", k, " of the index; input shape ", x.shape(), ")");
  Shape out = x.shape();
  out[0] = k_count;
  Tensor y(out, x.dtype());
  const std::size_t e = size_of(x.dtype());
  const char* src = bytes_of(x);
  char* dst = bytes_of(y);
  for (std::int64_t k = 0; k < k_count; ++k) std::memcpy(dst + k * row * e, src + idx[k] * row * e, row * e);
  if (needs_grad(x))
    // A copy of the index, not a view: a data loader may refill its index buffer before backward.
    record(y, "index_select", {&x}, [shape = x.shape(), row, index = index.copy()](const Tensor& gy, Grads& g) {
      g[0] = zeros(shape, gy.dtype());
      dispatch_floating(gy.dtype(), "index_select", [&]<class T>() {
        const std::int64_t* ix = index.data<std::int64_t>();
        const T* pg = gy.data<T>();
        T* px = g[0].data<T>();
        // serial on purpose: repeated indices add into the same row
        for (std::int64_t k = 0; k < index.numel(); ++k)
          for (std::int64_t j = 0; j < row; ++j) px[ix[k] * row + j] += pg[k * row + j];
      });
    });
  return y;
}

Tensor cat(const std::vector<Tensor>& xs, int axis) {
  check_list(xs, "cat");
  const Shape& first = xs[0].shape();
  SOMA_CHECK(first.dim() >= 1, "cat: tensor 0 has shape ", first,
             "; cat needs at least one axis (stack joins scalars)");
  const int a = normalize_axis(axis, first.dim(), "cat", first);
  Shape out = first;
  out[a] = 0;
  std::vector<std::int64_t> blocks;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Shape& s = xs[i].shape();
    bool match = s.dim() == first.dim();
    for (int d = 0; match && d < s.dim(); ++d) match = d == a || s[d] == first[d];
    SOMA_CHECK(match, "cat: tensor ", i, " has shape ", s, " but tensor 0 has ", first, " (axis ", a,
               " may differ, the others must match)");
    out[a] += s[a];
    blocks.push_back(product(s, a, s.dim()));
  }
  return join(xs, product(first, 0, a), std::move(blocks), out, "cat");
}

Tensor stack(const std::vector<Tensor>& xs, int axis) {
  check_list(xs, "stack");
  const Shape& first = xs[0].shape();
  for (std::size_t i = 1; i < xs.size(); ++i)
    SOMA_CHECK(xs[i].shape() == first, "stack: tensor ", i, " has shape ", xs[i].shape(), " but tensor 0 has ", first,
               " (all must match)");
  SOMA_CHECK(first.dim() < Shape::kMaxDims, "stack: shape ", first, " already has the maximum of ", Shape::kMaxDims,
             " dimensions");
  const int a = normalize_axis(axis, first.dim() + 1, "stack", first);
  Shape out;
  for (int i = 0; i < first.dim(); ++i) {
    if (i == a) out.push_back(std::int64_t(xs.size()));
    out.push_back(first[i]);
  }
  if (a == first.dim()) out.push_back(std::int64_t(xs.size()));
  return join(xs, product(first, 0, a), std::vector<std::int64_t>(xs.size(), product(first, a, first.dim())), out,
              "stack");
}

}  // namespace soma
