// cholesky_solve: LAPACK dposv. A row-major symmetric matrix is its own column-major transpose,
// and right-hand sides stored one after another are the columns of a column-major B.
#include "kernels/cholesky.h"

extern "C" void dposv_(const char* uplo, const int* n, const int* nrhs, double* a, const int* lda, double* b,
                       const int* ldb, int* info);

namespace soma::kernels {

bool cholesky_solve(double* A, std::int64_t n, double* B, std::int64_t rhs) {
  const int size = int(n), count = int(rhs);
  int info = 0;
  dposv_("U", &size, &count, A, &size, B, &size, &info);
  return info == 0;
}

}  // namespace soma::kernels
