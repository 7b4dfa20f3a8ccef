# outpools_warnings: the warning set every target of ours compiles with.
add_library(outpools_warnings INTERFACE)
target_compile_options(outpools_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(OUTPOOLS_WERROR)
  target_compile_options(outpools_warnings INTERFACE -Werror)
endif()
