// libFuzzer: the reader of retention's export files (storage/retention.h ReadExport) on arbitrary
// file contents: a truncated, damaged or foreign file is refused with an error, never a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include <unistd.h>

#include "storage/retention.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // One file per process, rewritten for every input.
  static const std::string path = "/tmp/ekc-export-fuzz-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return 0;
  if (size > 0) std::fwrite(data, 1, size, file);
  std::fclose(file);
  uint64_t visited = 0;
  (void)ekc::storage::ReadExport(path, [&](const ekc::v1::EventRecord&, std::string_view) {
    ++visited;
    return absl::OkStatus();
  });
  return 0;
}
