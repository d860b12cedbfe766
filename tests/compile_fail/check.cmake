# Builds one compile-fail target and checks the outcome.
#   EXPECT_FAILURE=1: the build must fail, and its output must match EXPECT.
#   EXPECT_FAILURE=0: the build (the same file without the bad line) must succeed.
execute_process(COMMAND ${CMAKE_COMMAND} --build "${BUILD_DIR}" --target "${TARGET}"
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(EXPECT_FAILURE)
  if(rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled, but it must not")
  endif()
  if(NOT out MATCHES "${EXPECT}")
    message(FATAL_ERROR "${TARGET} failed to compile, but not with a diagnostic matching "
                        "'${EXPECT}':\n${out}")
  endif()
  message(STATUS "${TARGET} does not compile, as intended")
else()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} (the control, without the bad line) must compile:\n${out}")
  endif()
endif()
