#include "drivers/rdbms/odbc/odbc_connection.hpp"

namespace outpools::rdbms {

boost::asio::awaitable<call_result> odbc_connection::connect() {
  co_return call_result::failure(errc::disconnected, "the odbc driver is not built yet");
}
boost::asio::awaitable<query_result> odbc_connection::query(std::string_view,
                                                          std::span<const value>) {
  co_return query_result(call_result::failure(errc::disconnected, "not connected"));
}
boost::asio::awaitable<query_result> odbc_connection::execute(std::string_view, std::string_view,
                                                            std::span<const value>) {
  co_return query_result(call_result::failure(errc::disconnected, "not connected"));
}

}  // namespace outpools::rdbms
