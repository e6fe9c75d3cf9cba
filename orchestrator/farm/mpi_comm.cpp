#include "orchestrator/farm/mpi_comm.hpp"

#include <cstdlib>
#include <list>
#include <memory>
#include <thread>

#include <mpi.h>

#include "io/records/cell.hpp"
#include "io/errors.hpp"
#include "meters/processes.hpp"

namespace joulegrid {

namespace {

// Between probes a rank sleeps, starting short after a message and backing
// off while nothing arrives. Rank 0 backs off to 10 ms: it waits most of the
// time and each probe runs Open MPI's whole progress engine (measured with
// bench/scheduler_efficiency: 4 ms cost 2.8 % of a core while waiting, 10 ms
// under 2 %). A worker only waits here between cells, for its next task, and
// keeps probing every millisecond so that a dispatch costs rank 0's delay alone.
constexpr auto kProbeSleep = std::chrono::milliseconds(1);
constexpr auto kRankZeroLongestSleep = std::chrono::milliseconds(10);
constexpr auto kWorkerLongestSleep = std::chrono::milliseconds(1);

void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int n = 0;
  MPI_Error_string(rc, text, &n);
  throw InternalError(std::string("MPI ") + what + ": " + std::string(text, static_cast<size_t>(n)));
}

class MpiComm : public Comm {
 public:
  MpiComm() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    longest_sleep_ = rank_ == 0 ? kRankZeroLongestSleep : kWorkerLongestSleep;
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  // Sends never block: a message above Open MPI's eager limit (a cell, a
  // result) would otherwise hold the sender in MPI_Send — spinning in the
  // progress engine — until the receiver's next probe. The body is kept
  // until MPI is done with it; message order between two ranks is kept.
  void send(int destination, int tag, const std::string& body) override {
    reap();
    auto& p = pending_.emplace_back(Pending{std::make_unique<std::string>(body), MPI_REQUEST_NULL});
    check_mpi(MPI_Isend(p.body->data(), static_cast<int>(p.body->size()), MPI_CHAR, destination, tag, MPI_COMM_WORLD,
                        &p.request),
              "send");
  }

  ~MpiComm() override {
    // Before MPI_Finalize: every message handed over (sleeping, not spinning).
    while (!pending_.empty()) {
      reap();
      if (!pending_.empty()) std::this_thread::sleep_for(kProbeSleep);
    }
  }

  std::optional<Message> receive(std::chrono::milliseconds wait) override {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (true) {
      reap();
      int flag = 0;
      MPI_Status status;
      check_mpi(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &status), "probe");
      if (flag) {
        int count = 0;
        MPI_Get_count(&status, MPI_CHAR, &count);
        Message m{status.MPI_SOURCE, status.MPI_TAG, std::string(static_cast<size_t>(count), '\0')};
        check_mpi(MPI_Recv(m.body.data(), count, MPI_CHAR, status.MPI_SOURCE, status.MPI_TAG, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE),
                  "receive");
        sleep_ = kProbeSleep;
        return m;
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::nullopt;
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(sleep_, deadline - now));
      sleep_ = std::min<std::chrono::milliseconds>(sleep_ * 2, longest_sleep_);
    }
  }

 private:
  struct Pending {
    std::unique_ptr<std::string> body;
    MPI_Request request;
  };
  void reap() {
    for (auto it = pending_.begin(); it != pending_.end();) {
      int done = 0;
      check_mpi(MPI_Test(&it->request, &done, MPI_STATUS_IGNORE), "send");
      it = done ? pending_.erase(it) : std::next(it);
    }
  }

  int rank_ = 0, size_ = 1;
  std::chrono::milliseconds sleep_ = kProbeSleep, longest_sleep_ = kProbeSleep;
  std::list<Pending> pending_;
};

// A barrier that sleeps while others calibrate instead of spinning.
void sleeping_barrier(MPI_Comm comm) {
  MPI_Request request;
  check_mpi(MPI_Ibarrier(comm, &request), "barrier");
  int done = 0;
  while (!done) {
    check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "barrier");
    if (!done) std::this_thread::sleep_for(kProbeSleep);
  }
}

class MpiNodeGroup : public NodeGroup {
 public:
  MpiNodeGroup(MPI_Comm node, MPI_Comm workers) : node_(node), workers_(workers) {
    MPI_Comm_rank(node_, &rank_);
    MPI_Comm_size(node_, &size_);
  }
  ~MpiNodeGroup() override {
    MPI_Comm_free(&node_);
    MPI_Comm_free(&workers_);
  }
  bool leader() const override { return rank_ == 0; }
  int size() const override { return size_; }
  int index() const override { return rank_; }
  void barrier() override { sleeping_barrier(node_); }
  std::vector<std::string> all_gather(const std::string& mine) override {
    const int length = static_cast<int>(mine.size());
    std::vector<int> lengths(static_cast<size_t>(size_)), offsets(static_cast<size_t>(size_));
    check_mpi(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, node_), "allgather");
    int total = 0;
    for (int i = 0; i < size_; ++i) {
      offsets[static_cast<size_t>(i)] = total;
      total += lengths[static_cast<size_t>(i)];
    }
    std::string all(static_cast<size_t>(total), '\0');
    check_mpi(MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, node_),
              "allgather");
    std::vector<std::string> out;
    for (int i = 0; i < size_; ++i)
      out.push_back(all.substr(static_cast<size_t>(offsets[static_cast<size_t>(i)]), static_cast<size_t>(lengths[static_cast<size_t>(i)])));
    return out;
  }
  void all_workers_barrier() override { sleeping_barrier(workers_); }

 private:
  MPI_Comm node_, workers_;
  int rank_ = 0, size_ = 1;
};

}  // namespace

bool launched_by_mpi() { return meters::launched_by_a_launcher(); }

std::string mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int length = 0;
  if (MPI_Get_library_version(text, &length) != MPI_SUCCESS) return "unknown";
  const std::string all(text);  // up to its NUL, which length may count
  const std::string first = all.substr(0, all.find('\n'));
  return first.substr(0, first.find_last_not_of(' ') + 1);
}

MpiSession::MpiSession(int* argc, char*** argv) {
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  world_ = std::make_unique<MpiComm>();
}

MpiSession::~MpiSession() {
  world_.reset();
  MPI_Finalize();
}

Comm& MpiSession::world() { return *world_; }

std::unique_ptr<NodeGroup> MpiSession::node_group(const std::string& node_name) {
  const int color = world_->rank() == 0 ? MPI_UNDEFINED : static_cast<int>(fnv1a64(node_name) & 0x7fffffff);
  MPI_Comm node = MPI_COMM_NULL, workers = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(MPI_COMM_WORLD, color, world_->rank(), &node), "split by node");
  check_mpi(MPI_Comm_split(MPI_COMM_WORLD, world_->rank() == 0 ? MPI_UNDEFINED : 0, world_->rank(), &workers),
            "split off the workers");
  if (node == MPI_COMM_NULL) return nullptr;
  return std::make_unique<MpiNodeGroup>(node, workers);
}

}  // namespace joulegrid
