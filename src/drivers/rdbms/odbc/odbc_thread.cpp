#include "drivers/rdbms/odbc/odbc_thread.hpp"

namespace outpools::rdbms {

odbc_thread::odbc_thread() : state_(std::make_shared<state>()) {
  thread_ = std::thread([s = state_] {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(s->mutex);
        s->wake.wait(lock, [&] { return s->stopping || !s->tasks.empty(); });
        if (s->tasks.empty()) return;  // stopping, and nothing left to run
        task = std::move(s->tasks.front());
        s->tasks.pop_front();
      }
      task();
    }
  });
}

odbc_thread::~odbc_thread() {
  if (thread_.joinable()) join();
}

void odbc_thread::post(std::function<void()> task) {
  {
    std::lock_guard lock(state_->mutex);
    state_->tasks.push_back(std::move(task));
  }
  state_->wake.notify_one();
}

void odbc_thread::stop() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_one();
}

void odbc_thread::join() {
  stop();
  if (thread_.joinable()) thread_.join();
}

void odbc_thread::detach() {
  stop();
  if (thread_.joinable()) thread_.detach();
}

}  // namespace outpools::rdbms
