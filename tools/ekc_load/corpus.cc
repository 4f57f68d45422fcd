#include "tools/ekc_load/corpus.h"

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

namespace ekc::load {

absl::StatusOr<Corpus> Corpus::Load(const std::string& path) {
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(path, ec);
  if (ec)
    return absl::NotFoundError(fmt::format("{}: cannot read the corpus: {}", path, ec.message()));
  if (bytes > kCorpusBytesMax)
    return absl::InvalidArgumentError(
        fmt::format("{}: the corpus is larger than {} bytes", path, kCorpusBytesMax));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(fmt::format("{}: cannot open the corpus", path));
  Corpus corpus;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    if (line.size() > kMessageBytesMax)
      return absl::InvalidArgumentError(
          fmt::format("{}:{}: a message longer than {} bytes (ekcd refuses it)", path, number,
                      kMessageBytesMax));
    if (corpus.texts_.size() == kCorpusLinesMax)
      return absl::InvalidArgumentError(
          fmt::format("{}: more than {} messages", path, kCorpusLinesMax));
    corpus.texts_.push_back(std::move(line));
  }
  if (corpus.texts_.empty())
    return absl::InvalidArgumentError(fmt::format("{}: the corpus has no messages", path));
  return corpus;
}

std::string Corpus::DefaultPath() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share/ekc/ekc-load-corpus.txt";
    if (std::filesystem::exists(installed, ec)) return installed.string();
  }
  return EKC_LOAD_CORPUS_SOURCE;
}

}  // namespace ekc::load
