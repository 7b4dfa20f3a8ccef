#include "integration/rdbms/silent_tcp_server.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace outpools::testing {

silent_tcp_server::silent_tcp_server(bool accepts, const std::string& address, int port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &a.sin_addr);
  socklen_t length = sizeof a;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listener_, accepts ? 64 : 0) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &length) != 0) {
    ADD_FAILURE() << "cannot listen: " << strerror(errno);
    return;
  }
  port_ = ntohs(a.sin_port);
  if (accepts) {
    thread_ = std::thread([this] { serve(); });
    return;
  }
  for (int i = 0; i < 3; ++i) {  // never accepted: the queue is full after these
    const int c = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    ::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers_.push_back(c);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

silent_tcp_server::~silent_tcp_server() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  for (int c : fillers_) ::close(c);
  if (listener_ >= 0) ::close(listener_);
}

void silent_tcp_server::serve() {
  std::vector<int> clients;
  while (!stop_) {
    std::vector<pollfd> fds{{listener_, POLLIN, 0}};
    for (int c : clients) fds.push_back({c, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 5) <= 0) continue;
    std::vector<int> kept;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      char buffer[4096];
      if (fds[i + 1].revents != 0 && ::recv(clients[i], buffer, sizeof buffer, 0) <= 0)
        ::close(clients[i]);  // its client closed
      else
        kept.push_back(clients[i]);
    }
    clients = std::move(kept);
    if ((fds[0].revents & POLLIN) != 0) {
      const int c = ::accept(listener_, nullptr, nullptr);
      if (c >= 0) {
        ++accepted_;
        clients.push_back(c);
      }
    }
  }
  for (int c : clients) ::close(c);
}

}  // namespace outpools::testing
