#pragma once
// A child process with pipes on its stdin, stdout and stderr, started with
// posix_spawn (no fork of a process that holds MPI or CUDA state).

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace joulegrid {

struct SpawnOptions {
  std::string workdir;       // "" : the worker's own
  bool search_path = false;  // exe without a '/' is looked up on PATH
  // Its own process group, and kill() signals the whole group: a training
  // program's forked data loaders end with it.
  bool own_group = false;
};

class ChildProcess {
 public:
  // Starts `exe` with `args` (args[0] is the program name). Throws InternalError,
  // or InputError when a program of the user's cannot be started.
  ChildProcess(const std::string& exe, const std::vector<std::string>& args, const SpawnOptions& options = {});
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Kills (SIGKILL) and reaps a child still running: no orphans, no zombies.
  ~ChildProcess();

  int stdin_fd() const { return in_; }
  int stdout_fd() const { return out_; }
  int stderr_fd() const { return err_; }
  pid_t pid() const { return pid_; }

  void close_stdin();
  // Signals the child (its group, when it has its own); after it is reaped,
  // only what is left of its group.
  void kill(int signal);
  // Waits for the child to end; returns the raw waitpid status.
  int wait();
  // The raw status once the child has ended (and reaps it); nullopt while it runs.
  std::optional<int> try_wait();
  bool reaped() const { return reaped_; }

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1, err_ = -1;
  bool reaped_ = false, group_ = false;
  int status_ = 0;
};

// The path of the running executable (/proc/self/exe).
std::string self_executable();

// "exit code 3", "killed by signal 11 (Segmentation fault)".
std::string describe_wait_status(int status);

}  // namespace joulegrid
