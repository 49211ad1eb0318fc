// Symmetric positive-definite solve through LAPACK's dposv (OpenBLAS ships LAPACK): the normal
// equations of a least-squares fit (classic/rbfn.cpp). Raw pointers and sizes, as every kernel.
#pragma once

#include <cstdint>

namespace soma::kernels {

/// Solves A X = B in place for A [n, n] symmetric positive definite (only its upper triangle is
/// read; it is overwritten by the Cholesky factor) and B given as `rhs` right-hand sides stored
/// one after another (row r of B is rhs r, length n; X overwrites B the same way).
/// Returns false when A is not positive definite (the factorization met a pivot <= 0).
bool cholesky_solve(double* A, std::int64_t n, double* B, std::int64_t rhs);

}  // namespace soma::kernels
