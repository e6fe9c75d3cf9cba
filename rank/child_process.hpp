#pragma once
// A child process with pipes on its stdin, stdout and stderr, started with
// posix_spawn (no fork of a process that holds MPI or CUDA state).

#include <string>
#include <sys/types.h>
#include <vector>

namespace joulegrid {

class ChildProcess {
 public:
  // Starts `exe` with `args` (args[0] is the program name). Throws InternalError.
  ChildProcess(const std::string& exe, const std::vector<std::string>& args);
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills (SIGKILL) and reaps a child still running: no orphans, no zombies.
  ~ChildProcess();

  int stdin_fd() const { return in_; }
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  pid_t pid() const { return pid_; }

  void close_stdin();
  void kill(int signal);
  // Waits for the child to end; returns the raw waitpid status.
  int wait();
  bool reaped() const { return reaped_; }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = false;
  int status_ = 0;
};

// The path of the running executable (/proc/self/exe).
std::string self_executable();

// "exit code 3", "killed by signal 11 (Segmentation fault)".
std::string describe_wait_status(int status);

}  // namespace joulegrid
