#include "orchestrator/farm/local_comm.hpp"

namespace joulegrid {

class LocalComm : public Comm {
 public:
  LocalComm(LocalHub& hub, int rank) : hub_(hub), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return static_cast<int>(hub_.boxes_.size()); }

  void send(int destination, int tag, const std::string& body) override {
    LocalHub::Mailbox& box = *hub_.boxes_.at(static_cast<size_t>(destination));
    {
      std::lock_guard<std::mutex> lock(box.mutex);
      box.messages.push_back(Message{rank_, tag, body});
    }
    box.ready.notify_one();
  }

  std::optional<Message> receive(std::chrono::milliseconds wait) override {
    LocalHub::Mailbox& box = *hub_.boxes_.at(static_cast<size_t>(rank_));
    std::unique_lock<std::mutex> lock(box.mutex);
    if (!box.ready.wait_for(lock, wait, [&] { return !box.messages.empty(); })) return std::nullopt;
    Message m = std::move(box.messages.front());
    box.messages.pop_front();
    return m;
  }

 private:
  LocalHub& hub_;
  int rank_;
};

LocalHub::LocalHub(int size) {
  for (int i = 0; i < size; ++i) boxes_.push_back(std::make_unique<Mailbox>());
}

std::unique_ptr<Comm> LocalHub::endpoint(int rank) { return std::make_unique<LocalComm>(*this, rank); }

}  // namespace joulegrid
