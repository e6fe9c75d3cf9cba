#include "rank/line_pipe.hpp"

#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace joulegrid {

std::optional<std::string> LineReader::buffered_line() {
  const size_t nl = buffer_.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  std::string line = buffer_.substr(0, nl);
  buffer_.erase(0, nl + 1);
  return line;
}

std::optional<std::string> LineReader::read_line(int timeout_ms) {
  while (true) {
    if (auto line = buffered_line()) return line;
    if (max_line_ > 0 && buffer_.size() > max_line_) overlong_ = true;
    if (eof_ || overlong_) return std::nullopt;
    pollfd p{fd_, POLLIN, 0};
    const int rc = ::poll(&p, 1, timeout_ms);
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return std::nullopt;
    // One read: poll said data (or EOF) is there, so it will not block.
    char chunk[65536];
    const ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n > 0) buffer_.append(chunk, static_cast<size_t>(n));
    else if (n == 0 || (errno != EINTR && errno != EAGAIN)) eof_ = true;
  }
}

bool write_line(int fd, const std::string& line) {
  std::string data = line + "\n";
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace joulegrid
