#include "outpools/error.hpp"

#include <string>

namespace outpools {
namespace {

class outpools_category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "outpools"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::timeout:
        return "timed out";
      case errc::no_available_workers:
        return "no available workers";
      case errc::pool_not_found:
        return "pool not found";
      case errc::disconnected:
        return "disconnected";
      case errc::dropped:
        return "dropped from a full worker queue";
      case errc::shutting_down:
        return "pool is shutting down";
      case errc::server_error:
        return "server error";
      case errc::cancelled:
        return "cancelled";
      case errc::invalid_argument:
        return "invalid argument";
      case errc::protocol_error:
        return "protocol error";
      case errc::tls_error:
        return "TLS error";
      case errc::job_failed:
        return "job failed";
    }
    return "unknown error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const outpools_category category;
  return category;
}

std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), error_category()}; }

std::string_view errc_name(errc e) noexcept {
  switch (e) {
    case errc::timeout:
      return "timeout";
    case errc::no_available_workers:
      return "no_available_workers";
    case errc::pool_not_found:
      return "pool_not_found";
    case errc::disconnected:
      return "disconnected";
    case errc::dropped:
      return "dropped";
    case errc::shutting_down:
      return "shutting_down";
    case errc::server_error:
      return "server_error";
    case errc::cancelled:
      return "cancelled";
    case errc::invalid_argument:
      return "invalid_argument";
    case errc::protocol_error:
      return "protocol_error";
    case errc::tls_error:
      return "tls_error";
    case errc::job_failed:
      return "job_failed";
  }
  return "unknown";
}

}  // namespace outpools
