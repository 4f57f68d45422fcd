#pragma once

// LineReader: reads the terminal (stdin) line by line on its own thread, so that a person's answer
// never holds up the stream reader.
//
// It polls with a short timeout instead of blocking in read(): a thread stuck in std::getline
// cannot be stopped, and ekcctl must be able to exit without waiting for a key press.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

namespace ekc::ctl {

class LineReader {
 public:
  using OnLine = std::function<void(const std::string& line)>;
  using OnEnd = std::function<void()>;

  LineReader() = default;
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader() { Stop(); }

  // Calls `on_line` for each line (without its line break) and `on_end` once at end of input, both
  // on the reader's thread.
  void Start(OnLine on_line, OnEnd on_end);
  // Returns within one poll interval; the callbacks are not called afterwards. Idempotent.
  void Stop();

 private:
  void Run();
  // Hands the complete lines in `pending_` to on_line_, keeping a trailing partial line.
  void DeliverLines();

  OnLine on_line_;
  OnEnd on_end_;
  std::string pending_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace ekc::ctl
