// The worker life cycle, step by step, with a fake clock (time points passed in by hand).
#include "core/worker_fsm.hpp"

#include <gtest/gtest.h>

namespace outpools::detail {
namespace {

using namespace std::chrono_literals;
using kind = worker_action::kind;
using ev = worker_event;
using st = worker_state;

struct fake_clock {
  std::chrono::steady_clock::time_point now{std::chrono::hours{1}};
  void advance(std::chrono::milliseconds d) { now += d; }
};

worker_fsm make() {
  worker_fsm_settings s;
  s.connect_timeout = 500ms;
  s.backoff_min = 100ms;
  s.backoff_max = 1000ms;
  s.seed = 42;
  return worker_fsm(s);
}

TEST(worker_fsm, connects_then_serves_requests_in_turn) {
  fake_clock clock;
  worker_fsm fsm = make();
  EXPECT_EQ(fsm.state(), st::initial);
  const worker_action connect = fsm.resume(ev::start, clock.now, false);
  EXPECT_EQ(connect.what, kind::connect);
  EXPECT_EQ(connect.until, clock.now + 500ms);  // connect_timeout from now
  EXPECT_EQ(fsm.state(), st::connecting);
  EXPECT_FALSE(fsm.connected());

  EXPECT_EQ(fsm.resume(ev::work_queued, clock.now, true).what, kind::none);  // waits
  EXPECT_EQ(fsm.resume(ev::connected, clock.now, true).what, kind::run_request);
  EXPECT_EQ(fsm.state(), st::busy);
  EXPECT_EQ(fsm.resume(ev::work_queued, clock.now, true).what, kind::none);  // one at a time
  EXPECT_EQ(fsm.resume(ev::request_done, clock.now, true).what, kind::run_request);
  EXPECT_EQ(fsm.resume(ev::request_done, clock.now, false).what, kind::none);
  EXPECT_EQ(fsm.state(), st::ready);
  EXPECT_EQ(fsm.resume(ev::work_queued, clock.now, true).what, kind::run_request);
  EXPECT_EQ(fsm.transitions(st::busy, st::ready), 1u);
  EXPECT_EQ(fsm.transitions(st::ready, st::busy), 1u);
  EXPECT_EQ(fsm.transitions(st::connecting, st::busy), 1u);
}

TEST(worker_fsm, failed_connect_backs_off_exponentially_within_bounds) {
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  std::chrono::milliseconds previous_ceiling{0};
  for (int attempt = 0; attempt < 8; ++attempt) {
    EXPECT_EQ(fsm.resume(ev::connect_failed, clock.now, false).what, kind::close);
    EXPECT_EQ(fsm.state(), st::broken);
    EXPECT_TRUE(fsm.down());
    const std::chrono::milliseconds ceiling = fsm.backoff_policy().ceiling();
    const worker_action wait = fsm.resume(ev::closed, clock.now, false);
    ASSERT_EQ(wait.what, kind::wait);
    const auto delay =
        std::chrono::duration_cast<std::chrono::milliseconds>(wait.until - clock.now);
    EXPECT_GE(delay, 100ms);
    EXPECT_LE(delay, 1000ms);
    EXPECT_LE(delay, ceiling);
    EXPECT_GE(delay, ceiling * 3 / 4);
    EXPECT_GE(ceiling, previous_ceiling);  // doubles up to the cap
    previous_ceiling = ceiling;
    clock.now = wait.until;
    EXPECT_EQ(fsm.resume(ev::backoff_elapsed, clock.now, false).what, kind::connect);
  }
  EXPECT_EQ(previous_ceiling, 1000ms);
  EXPECT_EQ(fsm.connect_failures(), 8u);
  EXPECT_EQ(fsm.reconnects(), 8u);
  // Success resets the backoff and the down flag.
  EXPECT_EQ(fsm.resume(ev::connected, clock.now, false).what, kind::none);
  EXPECT_FALSE(fsm.down());
  EXPECT_EQ(fsm.backoff_policy().failures(), 0u);
}

TEST(worker_fsm, fatal_request_error_breaks_and_reconnects) {
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  fsm.resume(ev::connected, clock.now, true);
  EXPECT_EQ(fsm.resume(ev::request_fatal, clock.now, true).what, kind::close);
  EXPECT_EQ(fsm.resume(ev::closed, clock.now, true).what, kind::wait);
  EXPECT_EQ(fsm.state(), st::backoff);
  EXPECT_EQ(fsm.resume(ev::work_queued, clock.now, true).what, kind::none);
  clock.advance(100ms);
  EXPECT_EQ(fsm.resume(ev::backoff_elapsed, clock.now, true).what, kind::connect);
  EXPECT_EQ(fsm.resume(ev::connected, clock.now, true).what, kind::run_request);
}

TEST(worker_fsm, keepalive_pings_only_when_idle) {
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  fsm.resume(ev::connected, clock.now, false);
  EXPECT_EQ(fsm.resume(ev::keepalive_due, clock.now, false).what, kind::ping);
  EXPECT_EQ(fsm.state(), st::pinging);
  EXPECT_EQ(fsm.resume(ev::work_queued, clock.now, true).what, kind::none);
  EXPECT_EQ(fsm.resume(ev::ping_ok, clock.now, true).what, kind::run_request);
  EXPECT_EQ(fsm.resume(ev::keepalive_due, clock.now, true).what, kind::none);  // busy
  EXPECT_EQ(fsm.resume(ev::request_done, clock.now, false).what, kind::none);
  EXPECT_EQ(fsm.resume(ev::keepalive_due, clock.now, false).what, kind::ping);
  EXPECT_EQ(fsm.resume(ev::ping_failed, clock.now, false).what, kind::close);
  // A broken connection is not down: calls wait for the reconnect until a connect fails.
  EXPECT_FALSE(fsm.down());
  EXPECT_EQ(fsm.resume(ev::closed, clock.now, false).what, kind::wait);
  clock.advance(100ms);
  EXPECT_EQ(fsm.resume(ev::backoff_elapsed, clock.now, false).what, kind::connect);
  fsm.resume(ev::connect_failed, clock.now, false);
  EXPECT_TRUE(fsm.down());
}

TEST(worker_fsm, an_idle_connection_the_server_closed_is_replaced_only_when_idle) {
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  fsm.resume(ev::connected, clock.now, false);
  fsm.resume(ev::work_queued, clock.now, true);
  ASSERT_EQ(fsm.state(), st::busy);
  // A request owns the connection: what it finds decides (request_fatal), not the idle check.
  EXPECT_EQ(fsm.resume(ev::idle_connection_lost, clock.now, false).what, kind::none);
  EXPECT_EQ(fsm.state(), st::busy);
  fsm.resume(ev::request_done, clock.now, false);
  ASSERT_EQ(fsm.state(), st::ready);
  EXPECT_EQ(fsm.resume(ev::idle_connection_lost, clock.now, false).what, kind::close);
  EXPECT_EQ(fsm.state(), st::broken);
  EXPECT_FALSE(fsm.down());  // calls wait for the reconnect
  EXPECT_EQ(fsm.resume(ev::closed, clock.now, false).what, kind::wait);
  clock.advance(100ms);
  EXPECT_EQ(fsm.resume(ev::backoff_elapsed, clock.now, false).what, kind::connect);
  EXPECT_EQ(fsm.reconnects(), 1u);
}

TEST(worker_fsm, the_idle_check_is_ignored_while_the_connection_is_not_idle) {
  // Connecting, in backoff, pinging, resetting and stopping: another operation owns the
  // connection (or there is none); its own outcome decides.
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  ASSERT_EQ(fsm.state(), st::connecting);
  EXPECT_EQ(fsm.resume(ev::idle_connection_lost, clock.now, false).what, kind::none);
  fsm.resume(ev::connect_failed, clock.now, false);
  fsm.resume(ev::closed, clock.now, false);
  ASSERT_EQ(fsm.state(), st::backoff);
  EXPECT_EQ(fsm.resume(ev::idle_connection_lost, clock.now, false).what, kind::none);
  clock.advance(100ms);
  fsm.resume(ev::backoff_elapsed, clock.now, false);
  fsm.resume(ev::connected, clock.now, false);
  fsm.resume(ev::keepalive_due, clock.now, false);
  ASSERT_EQ(fsm.state(), st::pinging);
  EXPECT_EQ(fsm.resume(ev::idle_connection_lost, clock.now, false).what, kind::none);
  fsm.resume(ev::ping_ok, clock.now, true);
  ASSERT_EQ(fsm.state(), st::busy);
  fsm.resume(ev::request_needs_reset, clock.now, false);
  ASSERT_EQ(fsm.state(), st::resetting);
  EXPECT_EQ(fsm.resume(ev::idle_connection_lost, clock.now, false).what, kind::none);
  EXPECT_EQ(fsm.state(), st::resetting);
  fsm.resume(ev::stop, clock.now, false);
  ASSERT_EQ(fsm.state(), st::stopping);
  EXPECT_EQ(fsm.resume(ev::idle_connection_lost, clock.now, false).what, kind::none);
  EXPECT_EQ(fsm.resume(ev::reset_ok, clock.now, false).what, kind::close);
}

TEST(worker_fsm, abandoned_request_resets_the_connection) {
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  fsm.resume(ev::connected, clock.now, true);
  EXPECT_EQ(fsm.resume(ev::request_needs_reset, clock.now, true).what, kind::reset);
  EXPECT_EQ(fsm.state(), st::resetting);
  EXPECT_EQ(fsm.resume(ev::reset_ok, clock.now, true).what, kind::run_request);
  EXPECT_EQ(fsm.resume(ev::request_needs_reset, clock.now, false).what, kind::reset);
  EXPECT_EQ(fsm.resume(ev::reset_failed, clock.now, false).what, kind::close);
}

TEST(worker_fsm, stop_while_busy_waits_for_the_request_then_closes) {
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  fsm.resume(ev::connected, clock.now, true);
  EXPECT_EQ(fsm.resume(ev::stop, clock.now, true).what, kind::cancel);
  EXPECT_EQ(fsm.state(), st::stopping);
  EXPECT_EQ(fsm.resume(ev::closed, clock.now, false).what, kind::none);  // not yet
  EXPECT_EQ(fsm.resume(ev::request_done, clock.now, false).what, kind::close);
  EXPECT_EQ(fsm.resume(ev::closed, clock.now, false).what, kind::finished);
  EXPECT_EQ(fsm.state(), st::stopped);
  EXPECT_EQ(fsm.resume(ev::start, clock.now, false).what, kind::none);
}

TEST(worker_fsm, stop_in_every_quiet_state_closes_at_once) {
  fake_clock clock;
  for (int where = 0; where < 3; ++where) {
    worker_fsm fsm = make();
    if (where >= 1) fsm.resume(ev::start, clock.now, false);
    if (where == 1) fsm.resume(ev::connected, clock.now, false);  // ready
    if (where == 2) {                                             // backoff
      fsm.resume(ev::connect_failed, clock.now, false);
      fsm.resume(ev::closed, clock.now, false);
      ASSERT_EQ(fsm.state(), st::backoff);
    }
    EXPECT_EQ(fsm.resume(ev::stop, clock.now, false).what, kind::close) << where;
    EXPECT_EQ(fsm.resume(ev::backoff_elapsed, clock.now, false).what, kind::none);
    EXPECT_EQ(fsm.resume(ev::closed, clock.now, false).what, kind::finished);
  }
}

TEST(worker_fsm, stop_while_connecting_waits_for_the_attempt) {
  fake_clock clock;
  worker_fsm fsm = make();
  fsm.resume(ev::start, clock.now, false);
  EXPECT_EQ(fsm.resume(ev::stop, clock.now, false).what, kind::cancel);
  EXPECT_EQ(fsm.resume(ev::connect_failed, clock.now, false).what, kind::close);
  EXPECT_EQ(fsm.resume(ev::closed, clock.now, false).what, kind::finished);
}

TEST(worker_fsm, no_connect_timeout_means_no_deadline) {
  worker_fsm fsm(worker_fsm_settings{});
  EXPECT_EQ(fsm.resume(ev::start, {}, false).until, std::chrono::steady_clock::time_point::max());
}

}  // namespace
}  // namespace outpools::detail
