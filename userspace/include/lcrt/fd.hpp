// A file descriptor with one owner.
#pragma once

#include <unistd.h>

namespace lcrt {

// Closed when it goes out of scope, unless it was only borrowed (stdin).
class Fd {
 public:
  explicit Fd(int fd, bool owned = true) noexcept : fd_(fd), owned_(owned) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
  bool owned_;
};

}  // namespace lcrt
