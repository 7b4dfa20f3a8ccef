// odbc_thread.hpp — the one thread on which a connection's blocking ODBC calls run.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace outpools::rdbms {

/// A thread running posted tasks one at a time, in order. post() is thread-safe; join() and
/// detach() are called once, by the owner, after which post() must not be called.
class odbc_thread {
 public:
  odbc_thread();
  ~odbc_thread();
  odbc_thread(const odbc_thread&) = delete;
  odbc_thread& operator=(const odbc_thread&) = delete;

  /// Queues `task`; it runs after every task posted before it.
  void post(std::function<void()> task);
  /// Runs the queued tasks, then ends the thread and waits for it.
  void join();
  /// Runs the queued tasks, then ends the thread without waiting for it (a task may be stuck in
  /// a driver call: the thread finishes on its own once the call returns).
  void detach();

 private:
  struct state {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> tasks;
    bool stopping = false;
  };
  void stop();

  std::shared_ptr<state> state_;
  std::thread thread_;
};

}  // namespace outpools::rdbms
