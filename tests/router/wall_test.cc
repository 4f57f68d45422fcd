// The core's wall (style.md rule 1–2): router/ is deterministic and free of gRPC, RocksDB, Asio,
// threads, clocks, randomness and disk access. This test reads router/'s sources and fails on any
// such include or call, so that a slip is caught at review time rather than in a replay that
// disagrees with the live run.

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

TEST(RouterWall, RouterSourcesUseNoIoThreadsClocksOrRandomness) {
  const std::regex forbidden(
      R"(#\s*include\s*[<"](grpcpp/|grpc/|rocksdb/|boost/asio|boost/beast|thread>|mutex>|future>|)"
      R"(condition_variable>|atomic>|chrono>|random>|fstream>|filesystem>|ctime>|unistd\.h|sys/)|)"
      R"(::now\s*\(|random_device|sleep_for|std::thread|std::ifstream|std::ofstream|fopen\s*\(|)"
      R"(\btime\s*\(\s*(nullptr|NULL|0)\s*\)|\brand\s*\()");
  const std::filesystem::path router = std::filesystem::path(EKC_SOURCE_DIR) / "router";
  ASSERT_TRUE(std::filesystem::is_directory(router)) << router;
  std::vector<std::string> hits;
  size_t files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(router)) {
    const auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cc") continue;
    ++files;
    std::ifstream in(entry.path());
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      if (std::regex_search(line, forbidden)) {
        hits.push_back(entry.path().filename().string() + ":" + std::to_string(number) + ": " +
                       line);
      }
    }
  }
  EXPECT_GT(files, 0u);
  std::ostringstream all;
  for (const auto& h : hits) all << h << "\n";
  EXPECT_TRUE(hits.empty()) << "router/ must stay deterministic:\n" << all.str();
}

}  // namespace
