#include "drivers/rdbms/odbc/odbc_connect_lock.hpp"

#include "drivers/rdbms/odbc/odbc_connection_string.hpp"

#include <odbcinst.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace outpools::rdbms {
namespace {

bool same_key(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// `key` of ini section `section` in `file` ("odbc.ini" or "odbcinst.ini"), "" when absent.
std::string ini_value(const std::string& section, const char* key, const char* file) {
  char buffer[1024] = {0};
  const int n = SQLGetPrivateProfileString(section.c_str(), key, "", buffer,
                                           static_cast<int>(sizeof buffer), file);
  return n > 0 ? std::string(buffer,
                             std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1))
               : std::string();
}

bool is_psqlodbc_library(std::string library) {
  std::transform(library.begin(), library.end(), library.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::size_t slash = library.rfind('/');
  return library.find("psqlodbc", slash == std::string::npos ? 0 : slash + 1) != std::string::npos;
}

}  // namespace

bool connect_is_serialised(std::string_view settings) {
  // With PGCLIENTENCODING set, psqlODBC takes the client encoding from it and never calls
  // setlocale (checked with a breakpoint on setlocale in psqlODBC 13.02).
  if (const char* encoding = std::getenv("PGCLIENTENCODING");
      encoding != nullptr && *encoding != '\0')
    return false;
  // ODBC: of DRIVER and DSN, the first one given decides.
  for (const auto& [key, value] : connection_string_pairs(settings)) {
    // unixODBC does not trim keys: "DRIVER =" is not DRIVER to it (it would use the default
    // data source), so what it would use cannot be told.
    const std::size_t first = key.find_first_not_of(" \t"), last = key.find_last_not_of(" \t");
    if (first == std::string::npos) continue;
    const std::string_view bare = std::string_view(key).substr(first, last - first + 1);
    if (bare.size() != key.size() && (same_key(bare, "DRIVER") || same_key(bare, "DSN")))
      return true;
    std::string driver;
    if (same_key(key, "DRIVER")) {
      driver = value;
    } else if (same_key(key, "DSN")) {
      driver = ini_value(value, "Driver", "odbc.ini");
    } else {
      continue;
    }
    if (driver.empty()) return true;  // cannot tell
    // A library path, or a name whose odbcinst.ini section gives the library.
    const std::string library = driver.find('/') != std::string::npos
                                    ? driver
                                    : ini_value(driver, "Driver", "odbcinst.ini");
    return library.empty() || is_psqlodbc_library(library);
  }
  return true;  // unixODBC would use the default data source: cannot tell
}

std::timed_mutex& serialised_connect_mutex() {
  static std::timed_mutex m;
  return m;
}

}  // namespace outpools::rdbms
