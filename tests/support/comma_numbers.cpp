#include "support/comma_numbers.hpp"

#include <gtest/gtest.h>

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace outpools::testing {
namespace {
constexpr const char* locale_name = "de_DE.UTF-8";
const std::filesystem::path locales_dir = "/tmp/outpools-test-locales";

// Makes locales_dir/de_DE.UTF-8 unless it is there: into a folder of this process's own, then
// renamed into place, so that tests running at once never see half of it.
bool make_locale() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(locales_dir / locale_name / "LC_NUMERIC", ec)) return true;
  fs::create_directories(locales_dir, ec);
  const fs::path scratch = locales_dir / ("making." + std::to_string(::getpid()));
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch, ec);
  const std::string command =
      "localedef -i de_DE -f UTF-8 '" + (scratch / locale_name).string() + "' >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  if (status != 0) {
    fs::remove_all(scratch, ec);
    ADD_FAILURE() << "`" << command << "` failed (" << status
                  << "): is the `locales` package installed (scripts/install-deps)?";
    return false;
  }
  fs::rename(scratch / locale_name, locales_dir / locale_name, ec);  // another may have won
  fs::remove_all(scratch, ec);
  return fs::exists(locales_dir / locale_name / "LC_NUMERIC", ec);
}
}  // namespace

comma_numbers::comma_numbers() {
  if (!make_locale()) return;
  ::setenv("LOCPATH", locales_dir.c_str(), 1);
  if (std::setlocale(LC_NUMERIC, locale_name) == nullptr) {
    ADD_FAILURE() << "setlocale(LC_NUMERIC, \"" << locale_name
                  << "\") failed with LOCPATH=" << locales_dir;
    return;
  }
  char text[16];
  std::snprintf(text, sizeof text, "%.1f", 1.5);
  active_ = std::string(text) == "1,5";
  if (!active_) ADD_FAILURE() << "the comma locale writes 1.5 as " << text;
}

comma_numbers::~comma_numbers() { std::setlocale(LC_NUMERIC, "C"); }

}  // namespace outpools::testing
