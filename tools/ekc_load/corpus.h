#pragma once

// Corpus: the citizens' messages ekc-load submits, one per line of a UTF-8 text file (blank lines
// and lines starting with '#' are skipped). The corpus shipped with the tool (corpus.txt, installed
// as share/ekc/ekc-load-corpus.txt) holds the texts of tests/data/labelled.jsonl: real-sounding
// requests about births, benefits, disability, violence, with typos and transcripts' fillers.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ekc::load {

inline constexpr uint64_t kCorpusBytesMax = 64ULL << 20;
inline constexpr size_t kCorpusLinesMax = 1'000'000;
inline constexpr size_t kMessageBytesMax = 64 * 1024;  // ekcd's limit on a contact's text

class Corpus {
 public:
  // Reads the file; refuses an empty corpus, a message longer than ekcd accepts, or a file past the
  // bounds above.
  static absl::StatusOr<Corpus> Load(const std::string& path);
  // Where the shipped corpus is: next to the installed binary (../share/ekc/), else in the source
  // tree.
  static std::string DefaultPath();

  size_t size() const { return texts_.size(); }
  const std::string& Text(uint64_t index) const { return texts_[index % texts_.size()]; }

 private:
  std::vector<std::string> texts_;
};

}  // namespace ekc::load
