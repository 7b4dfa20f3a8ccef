// outpools/generic_client.hpp — run the caller's callables on a generic pool.
#pragma once

#include <boost/asio/post.hpp>
#include <optional>
#include <string>
#include <utility>

#include "outpools/pool_manager.hpp"

namespace outpools {

/// A handle on `[outgoing_pools.generic.TAG]` for one XMPP host (host's pool, else the global
/// one). Looks the pool up on each call, so it follows pools started and stopped at run time.
/// Copyable; thread-safe. The manager must outlive it.
class generic_client {
 public:
  generic_client(pool_manager& manager, std::string tag, std::optional<std::string> host = {})
      : manager_(&manager), tag_(std::move(tag)), host_(std::move(host)) {}

  /// As pool::async_call. Completes with `pool_not_found` when no such pool runs.
  template <typename Job, typename Token>
  auto async_run(Job&& job, Token&& token, const call_options& options = {}) {
    auto p = manager_->find(pool_type::generic, host_, tag_);
    if (p) return p->async_call(options, std::forward<Job>(job), std::forward<Token>(token));
    return boost::asio::async_initiate<Token, void(call_result)>(
        [this](auto handler) {
          auto ex = boost::asio::get_associated_executor(
              handler, manager_->threads().context(0).get_executor());
          boost::asio::post(ex, [h = std::move(handler), why = not_found()]() mutable {
            std::move(h)(call_result::failure(errc::pool_not_found, why));
          });
        },
        token);
  }

  /// As pool::call (blocking; not on an I/O thread).
  template <typename Job>
  call_result run(Job&& job, const call_options& options = {}) {
    auto p = manager_->find(pool_type::generic, host_, tag_);
    if (!p) return call_result::failure(errc::pool_not_found, not_found());
    return p->call(std::forward<Job>(job), options);
  }

  /// As pool::cast; does nothing when no such pool runs.
  template <typename Job>
  void cast(Job&& job, const call_options& options = {}) {
    if (auto p = manager_->find(pool_type::generic, host_, tag_))
      p->cast(std::forward<Job>(job), options);
  }

 private:
  std::string not_found() const {
    return "no pool generic." + tag_ + (host_ ? "@" + *host_ : std::string()) +
           (host_ ? " nor generic." + tag_ : std::string());
  }

  pool_manager* manager_;
  std::string tag_;
  std::optional<std::string> host_;
};

}  // namespace outpools
