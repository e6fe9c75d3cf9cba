#pragma once
// Line-oriented reading from a file descriptor with timeouts, and whole-line
// writes. Used on both ends of the worker ↔ child pipes.

#include <optional>
#include <string>

namespace joulegrid {

class LineReader {
 public:
  // max_line > 0: a line longer than that is not read on; overlong() says so.
  explicit LineReader(int fd, size_t max_line = 0) : fd_(fd), max_line_(max_line) {}
  // A complete line (without '\n') if one arrives within timeout_ms
  // (-1 = wait forever, 0 = only what is already there); nullopt otherwise.
  std::optional<std::string> read_line(int timeout_ms);
  // The next line already buffered, without touching the descriptor.
  std::optional<std::string> buffered_line();
  bool eof() const { return eof_; }
  bool overlong() const { return overlong_; }
  int fd() const { return fd_; }

 private:
  int fd_;
  size_t max_line_;
  std::string buffer_;
  bool eof_ = false, overlong_ = false;
};

// Writes all of `line` and a newline; false when the other end is gone.
bool write_line(int fd, const std::string& line);

}  // namespace joulegrid
