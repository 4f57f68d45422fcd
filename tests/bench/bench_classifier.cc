// Classification speed with the default rules (deploy/rules/default.yaml): messages of about 200
// bytes built from the labelled examples, on one thread; and the time to compile the rules.
// Figures and the command are in docs/performance.md ("Classification").

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "router/classifier.h"

namespace {

constexpr size_t kMessageBytes = 200;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot open\n";
    std::exit(1);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::string& RulesText() {
  static const std::string text =
      ReadFile(std::string(EKC_SOURCE_DIR) + "/deploy/rules/default.yaml");
  return text;
}

std::shared_ptr<const ekc::router::RuleSet> Rules() {
  static const std::shared_ptr<const ekc::router::RuleSet> rules = [] {
    auto compiled = ekc::router::RuleSet::Compile(RulesText(), "default.yaml");
    if (!compiled.ok()) {
      std::cerr << compiled.status() << "\n";
      std::exit(1);
    }
    return *compiled;
  }();
  return rules;
}

// The texts of tests/data/labelled.jsonl, joined into messages of about kMessageBytes each.
const std::vector<std::string>& Messages() {
  static const std::vector<std::string> messages = [] {
    std::istringstream lines(ReadFile(std::string(EKC_SOURCE_DIR) + "/tests/data/labelled.jsonl"));
    std::vector<std::string> out;
    std::string message;
    for (std::string line; std::getline(lines, line);) {
      const size_t begin = line.find("\"text\": \"");
      const size_t end = line.find("\", \"situations\"");
      if (begin == std::string::npos || end == std::string::npos) continue;
      std::string text = line.substr(begin + 9, end - begin - 9);
      while (!text.empty() && message.size() + text.size() > kMessageBytes + 40) {
        text.resize(text.rfind(' ') == std::string::npos ? 0 : text.rfind(' '));
      }
      message += (message.empty() ? "" : " ") + text;
      if (message.size() >= kMessageBytes - 40) {
        out.push_back(std::move(message));
        message.clear();
      }
    }
    return out;
  }();
  return messages;
}

void BM_ClassifyMessage(benchmark::State& state) {
  const auto rules = Rules();
  const std::vector<std::string>& messages = Messages();
  size_t i = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = messages[i++ % messages.size()];
    bytes += text.size();
    benchmark::DoNotOptimize(
        rules->Classify(ekc::router::ClassifyInput{text, ekc::v1::CHANNEL_CHAT, ""}));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["message_bytes"] =
      static_cast<double>(bytes) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}
BENCHMARK(BM_ClassifyMessage);

// The same messages with one word never seen before in each: the per-thread word cache misses on
// it, so this is the cost of stemming and typo search for a new word.
void BM_ClassifyMessageWithAnUnseenWord(benchmark::State& state) {
  const auto rules = Rules();
  const std::vector<std::string>& messages = Messages();
  static constexpr std::string_view kLetters[] = {"а", "б", "в", "г", "д", "е", "ж", "з",
                                                  "к", "л", "м", "н", "о", "п", "р", "с"};
  size_t i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::string text = messages[i % messages.size()];
    text += " слово";
    for (size_t n = i++; n > 0; n /= 16) text += kLetters[n % 16];
    state.ResumeTiming();
    benchmark::DoNotOptimize(
        rules->Classify(ekc::router::ClassifyInput{text, ekc::v1::CHANNEL_CHAT, ""}));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ClassifyMessageWithAnUnseenWord);

void BM_CompileDefaultRules(benchmark::State& state) {
  for (auto _ : state) {
    auto rules = ekc::router::RuleSet::Compile(RulesText(), "default.yaml");
    if (!rules.ok()) state.SkipWithError("the default rules do not compile");
    benchmark::DoNotOptimize(rules);
  }
}
BENCHMARK(BM_CompileDefaultRules)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
