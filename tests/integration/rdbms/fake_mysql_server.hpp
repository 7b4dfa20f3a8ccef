// fake_mysql_server.hpp — a MySQL server on loopback that only greets: it sends a protocol 10
// handshake, optionally takes the client's TLS, optionally answers the client's login with a
// switch to mysql_clear_password or to the dialog plugin with a question, and records every
// byte the client sent (decrypted). For what a client must not send.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace outpools::testing {

class fake_mysql_server {
 public:
  struct behaviour {
    bool offers_tls = false;           ///< CLIENT_SSL in the greeting's capability flags
    bool asks_clear_password = false;  ///< answers the login with an auth switch request
    /// When both are set: CLIENT_SSL is offered and a client's SSL request is answered with a
    /// TLS handshake with this certificate and key.
    std::string tls_certfile, tls_keyfile;
    /// When set: the login is answered with a switch to the dialog plugin, this its question
    /// (its first byte the question's type: 2 ordinary, 4 password; +1 the last question).
    std::string dialog_question;
  };
  /// Listens on 127.0.0.1 (a free port) and serves each connection on its own thread in turn,
  /// until destroyed.
  explicit fake_mysql_server(behaviour b);
  ~fake_mysql_server();
  fake_mysql_server(const fake_mysql_server&) = delete;
  fake_mysql_server& operator=(const fake_mysql_server&) = delete;

  int port() const { return port_; }
  /// Connections accepted so far. Thread-safe.
  int accepted() const { return accepted_.load(); }
  /// Every byte clients sent, in order. Thread-safe.
  std::string received() const;
  /// How many client packets came after an auth switch request (to either plugin). Thread-safe.
  int answers_to_the_switch() const { return answers_to_the_switch_.load(); }

 private:
  void serve();
  void serve_one(int client);

  behaviour behaviour_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0}, answers_to_the_switch_{0};
  mutable std::mutex mutex_;
  std::string received_;
  std::thread thread_;
};

}  // namespace outpools::testing
