// comma_numbers.hpp — a process whose numbers are written with a decimal comma, as an
// application that calls setlocale with a German, French or Russian locale has: for the tests
// that what the drivers read and send does not depend on LC_NUMERIC.
#pragma once

namespace outpools::testing {

/// While it lives, LC_NUMERIC is de_DE.UTF-8 (decimal comma): made once with `localedef` (the
/// `locales` package, which scripts/install-deps installs) in /tmp/outpools-test-locales and
/// found through LOCPATH. Fails the calling test (ADD_FAILURE) when the locale cannot be made or
/// set, or does not write 1.5 as "1,5". The destructor sets LC_NUMERIC back to "C". Create it
/// before starting any thread (setlocale is not thread-safe).
class comma_numbers {
 public:
  comma_numbers();
  ~comma_numbers();
  comma_numbers(const comma_numbers&) = delete;
  comma_numbers& operator=(const comma_numbers&) = delete;
  /// Whether the comma locale is in effect.
  bool active() const { return active_; }

 private:
  bool active_ = false;
};

}  // namespace outpools::testing
