// mysql_connection.hpp — placeholder until the mysql driver lands (helper writing it).
#pragma once

#include "outpools/pool_spec.hpp"
#include "outpools/rdbms/connection.hpp"

namespace outpools::rdbms {

class mysql_connection final : public connection {
 public:
  mysql_connection(const pool_spec&, boost::asio::io_context::executor_type) {}
  boost::asio::awaitable<call_result> connect() override;
  boost::asio::awaitable<query_result> query(std::string_view, std::span<const value>) override;
  boost::asio::awaitable<query_result> execute(std::string_view, std::string_view,
                                               std::span<const value>) override;
  bool in_transaction() const noexcept override { return false; }
};

}  // namespace outpools::rdbms
