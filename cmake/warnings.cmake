# outpools_warnings: the warning set every target of ours compiles with.
add_library(outpools_warnings INTERFACE)
# Designated initializers rely on default member initializers: omitting a field is intended.
target_compile_options(outpools_warnings INTERFACE -Wall -Wextra -Wpedantic
                       -Wno-missing-field-initializers)
if(OUTPOOLS_WERROR)
  target_compile_options(outpools_warnings INTERFACE -Werror)
endif()
