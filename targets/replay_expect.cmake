# Replays every reproducer of one crash group and checks it against its recorded status
# (cmake -P; see corpora.cmake). Arguments: REPLAY (the replay binary), INPUTS (the group's
# encoded inputs), STATUS (expected | fixed), SIGNATURE (the finding's signature line prefix).
#   expected: each input must end in a finding whose report contains SIGNATURE; another
#             finding, or none, fails (the bug moved or was fixed: update crashes/<group>/finding).
#   fixed:    each input must replay clean.
file(GLOB inputs LIST_DIRECTORIES false "${INPUTS}/*")
if(NOT inputs)
  message(FATAL_ERROR "no reproducer in ${INPUTS}")
endif()
foreach(input IN LISTS inputs)
  execute_process(COMMAND "${REPLAY}" "${input}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(FIND "${out}" "${SIGNATURE}" at)
  if(STATUS STREQUAL "expected")
    if(result EQUAL 0)
      message(FATAL_ERROR "${input}: expected finding '${SIGNATURE}' did not reproduce "
                          "(fixed? set `status: fixed` in its finding file)\n${out}")
    elseif(at EQUAL -1)
      message(FATAL_ERROR "${input}: a different finding than the recorded '${SIGNATURE}':\n${out}")
    endif()
    message(STATUS "${input}: reproduces the expected finding '${SIGNATURE}'")
  else()
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "${input}: recorded as fixed, but it is a finding again:\n${out}")
    endif()
    message(STATUS "${input}: replays clean (fixed)")
  endif()
endforeach()
