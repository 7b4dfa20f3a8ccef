// The rdbms driver factory: one connection of the spec's driver per worker.
#include "drivers/rdbms/mysql/mysql_connection.hpp"
#include "drivers/rdbms/odbc/odbc_connection.hpp"
#include "drivers/rdbms/pgsql/pgsql_connection.hpp"
#include "outpools/rdbms/client.hpp"

namespace outpools::rdbms {

outpools::driver_factory driver_factory() {
  return [](const pool_spec& spec, std::uint32_t,
            boost::asio::io_context::executor_type executor) -> std::unique_ptr<connection_driver> {
    switch (std::get<rdbms_options>(spec.connection).driver) {
      case rdbms_driver::pgsql:
        return std::make_unique<pgsql_connection>(spec, executor);
      case rdbms_driver::mysql:
        return std::make_unique<mysql_connection>(spec, executor);
      case rdbms_driver::odbc:
        return std::make_unique<odbc_connection>(spec, executor);
    }
    return std::make_unique<pgsql_connection>(spec, executor);
  };
}

}  // namespace outpools::rdbms
