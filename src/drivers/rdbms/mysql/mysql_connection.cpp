#include "drivers/rdbms/mysql/mysql_connection.hpp"

namespace outpools::rdbms {

boost::asio::awaitable<call_result> mysql_connection::connect() {
  co_return call_result::failure(errc::disconnected, "the mysql driver is not built yet");
}
boost::asio::awaitable<query_result> mysql_connection::query(std::string_view,
                                                          std::span<const value>) {
  co_return query_result(call_result::failure(errc::disconnected, "not connected"));
}
boost::asio::awaitable<query_result> mysql_connection::execute(std::string_view, std::string_view,
                                                            std::span<const value>) {
  co_return query_result(call_result::failure(errc::disconnected, "not connected"));
}

}  // namespace outpools::rdbms
