// The BLAS the products run on: OpenBLAS on Linux (Debian's libopenblas-dev), Apple's Accelerate
// on macOS (binding.gyp links the framework there; its threads follow VECLIB_MAXIMUM_THREADS and
// cannot be set at run time, so blasThreads() reports 0 = "the library's own choice").
#pragma once

#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

namespace sl {

inline void blasSetThreads(int n) {
#if defined(__APPLE__)
  (void)n;
#else
  if (n > 0) openblas_set_num_threads(n);
#endif
}

inline int blasThreads() {
#if defined(__APPLE__)
  return 0;
#else
  return openblas_get_num_threads();
#endif
}

inline const char* blasName() {
#if defined(__APPLE__)
  return "Accelerate";
#else
  return openblas_get_config();
#endif
}

// The kernel family OpenBLAS picked for this CPU (its DYNAMIC_ARCH build may choose an older one
// than the CPU has: OPENBLAS_CORETYPE, read when the library loads, overrides it).
inline const char* blasCore() {
#if defined(__APPLE__)
  return "";
#else
  return openblas_get_corename();
#endif
}

}  // namespace sl
