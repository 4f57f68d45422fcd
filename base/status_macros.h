#pragma once

// EKC_RETURN_IF_ERROR(expr): returns the absl::Status of `expr` from the enclosing function unless
// it is OK. For functions returning absl::Status or absl::StatusOr<T>.

#define EKC_RETURN_IF_ERROR(expr)                                              \
  do {                                                                         \
    if (::absl::Status ekc_status_ = (expr); !ekc_status_.ok()) [[unlikely]] { \
      return ekc_status_;                                                      \
    }                                                                          \
  } while (false)
