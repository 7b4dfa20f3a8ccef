#include "outpools/driver.hpp"

#include <exception>
#include <stdexcept>
#include <system_error>

#include "outpools/detail/request.hpp"

namespace outpools {

bool connection_driver::is_fatal(const call_result& result) const noexcept {
  return result.error == errc::disconnected || result.error == errc::protocol_error ||
         result.error == errc::tls_error;
}

namespace {

/// Generic pools have no connection: connect succeeds at once.
class generic_driver final : public connection_driver {
 public:
  boost::asio::awaitable<call_result> connect() override { co_return call_result::success(); }
};

}  // namespace

driver_factory generic_driver_factory() {
  return [](const pool_spec&, std::uint32_t, boost::asio::io_context::executor_type) {
    return std::make_unique<generic_driver>();
  };
}

namespace detail {

std::string describe_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::system_error& ex) {
    return std::string("exception: ") + ex.what();
  } catch (const std::exception& ex) {
    return std::string("exception: ") + ex.what();
  } catch (...) {
    return "exception of unknown type";
  }
}

}  // namespace detail
}  // namespace outpools
