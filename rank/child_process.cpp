#include "rank/child_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/errors.hpp"

extern char** environ;

namespace joulegrid {

namespace {

void make_pipe(int fds[2]) {
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw InternalError(std::string("pipe2 failed: ") + std::strerror(errno));
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& exe, const std::vector<std::string>& args, const SpawnOptions& options)
    : group_(options.own_group) {
  int in[2], out[2], err[2];
  make_pipe(in);
  make_pipe(out);
  make_pipe(err);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // dup2 clears close-on-exec on the copies; every other pipe end closes on exec.
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  if (!options.workdir.empty()) posix_spawn_file_actions_addchdir_np(&actions, options.workdir.c_str());
  // The stop signals reach the whole step (srun, mpirun, Ctrl-C) but are the
  // worker's to act on. The child starts with them blocked — through exec and
  // the seconds libtorch takes to load — until it ignores them itself.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t stops;
  sigemptyset(&stops);
  for (int s : {SIGINT, SIGTERM, SIGUSR1}) sigaddset(&stops, s);
  posix_spawnattr_setsigmask(&attr, &stops);
  short flags = POSIX_SPAWN_SETSIGMASK;
  if (options.own_group) {
    posix_spawnattr_setpgroup(&attr, 0);
    flags |= POSIX_SPAWN_SETPGROUP;
  }
  posix_spawnattr_setflags(&attr, flags);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const int rc = options.search_path ? posix_spawnp(&pid_, exe.c_str(), &actions, &attr, argv.data(), environ)
                                     : posix_spawn(&pid_, exe.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  in_ = in[1];
  out_ = out[0];
  err_ = err[0];
  if (rc != 0) {
    close_fd(in_);
    close_fd(out_);
    close_fd(err_);
    if (options.search_path)  // the user's program: missing on this node, or not executable
      throw InputError("cannot start " + exe + (options.workdir.empty() ? "" : " in " + options.workdir) + ": " +
                       std::strerror(rc));
    throw InternalError("cannot start " + exe + ": " + std::strerror(rc));
  }
}

ChildProcess::~ChildProcess() {
  if (!reaped_ && pid_ > 0) {
    kill(SIGKILL);
    wait();
  }
  if (group_ && pid_ > 0) ::kill(-pid_, SIGKILL);  // what its program left running
  close_fd(in_);
  close_fd(out_);
  close_fd(err_);
}

void ChildProcess::close_stdin() { close_fd(in_); }

void ChildProcess::kill(int signal) {
  if (pid_ <= 0) return;
  if (group_) ::kill(-pid_, signal);
  else if (!reaped_) ::kill(pid_, signal);
}

int ChildProcess::wait() {
  if (reaped_) return status_;
  while (::waitpid(pid_, &status_, 0) < 0) {
    if (errno != EINTR) break;
  }
  reaped_ = true;
  return status_;
}

std::optional<int> ChildProcess::try_wait() {
  if (reaped_) return status_;
  int status = 0;
  pid_t r;
  do r = ::waitpid(pid_, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;
  reaped_ = true;
  status_ = status;
  return status_;
}

std::string self_executable() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw InternalError("cannot read /proc/self/exe");
  return std::string(buf, static_cast<size_t>(n));
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = strsignal(sig);
    return "killed by signal " + std::to_string(sig) + (name ? " (" + std::string(name) + ")" : "");
  }
  return "status " + std::to_string(status);
}

}  // namespace joulegrid
