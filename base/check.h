#pragma once

// Two assertions (style.md rule 8):
//   EKC_CHECK  — always on, for invariants whose violation could corrupt the log or the routing
//   state. EKC_DCHECK — debug builds only, for expensive checks.
// Never assert on client input, disk contents or config: answer those with an absl::Status.

#include <cstdio>
#include <cstdlib>

namespace ekc::internal {

[[noreturn]] inline void CheckFailed(const char* file, int line, const char* condition,
                                     const char* message) {
  std::fprintf(stderr, "%s:%d: EKC_CHECK failed: %s%s%s\n", file, line, condition,
               message[0] != '\0' ? ": " : "", message);
  std::fflush(stderr);
  std::abort();
}

}  // namespace ekc::internal

#define EKC_CHECK(condition)                                            \
  do {                                                                  \
    if (!(condition)) [[unlikely]] {                                    \
      ::ekc::internal::CheckFailed(__FILE__, __LINE__, #condition, ""); \
    }                                                                   \
  } while (false)

#define EKC_CHECK_MSG(condition, message)                                      \
  do {                                                                         \
    if (!(condition)) [[unlikely]] {                                           \
      ::ekc::internal::CheckFailed(__FILE__, __LINE__, #condition, (message)); \
    }                                                                          \
  } while (false)

#ifdef NDEBUG
#define EKC_DCHECK(condition) \
  do {                        \
  } while (false && (condition))
#else
#define EKC_DCHECK(condition) EKC_CHECK(condition)
#endif
