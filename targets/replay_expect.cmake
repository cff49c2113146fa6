# Replays every reproducer of one crash group and checks it against its recorded status
# (cmake -P; see corpora.cmake). Arguments: REPLAY (the replay binary), INPUTS (the group's
# encoded inputs), STATUS (open | fixed), SIGNATURE (the finding's signature, crashes/README.md),
# SIGNATURE_TOOL (msirig_triage, optional) and LOG (a scratch file for the replay's output).
#   open:  each input must end in a finding with SIGNATURE: computed by `msirig_triage
#          signature` (tools/triage/signature.h) and compared whole when SIGNATURE_TOOL is
#          given, else SIGNATURE's text up to its frames or place (" in ...", " at ...")
#          found in the output.
#          Another finding, or none, fails (the bug moved or was fixed: update the finding file).
#   fixed: each input must replay clean.
file(GLOB inputs LIST_DIRECTORIES false "${INPUTS}/*")
if(NOT inputs)
  message(FATAL_ERROR "no reproducer in ${INPUTS}")
endif()
foreach(input IN LISTS inputs)
  execute_process(COMMAND "${REPLAY}" "${input}"
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(STATUS STREQUAL "open")
    if(result EQUAL 0)
      message(FATAL_ERROR "${input}: open finding '${SIGNATURE}' did not reproduce "
                          "(fixed? set `status: fixed` in its finding file)\n${out}")
    endif()
    if(SIGNATURE_TOOL AND NOT EXISTS "${SIGNATURE_TOOL}")
      message(WARNING "${SIGNATURE_TOOL} is not built: comparing the signature's text only")
      set(SIGNATURE_TOOL "")
    endif()
    if(SIGNATURE_TOOL)
      file(WRITE "${LOG}" "${out}")
      execute_process(COMMAND "${SIGNATURE_TOOL}" signature "${LOG}"
                      OUTPUT_VARIABLE actual OUTPUT_STRIP_TRAILING_WHITESPACE)
      file(REMOVE "${LOG}")
      if(NOT actual STREQUAL SIGNATURE)
        message(FATAL_ERROR "${input}: a different finding than the recorded '${SIGNATURE}': "
                            "'${actual}'\n${out}")
      endif()
    else()
      string(REGEX REPLACE " (in|at) .*$" "" text "${SIGNATURE}")
      string(FIND "${out}" "${text}" at)
      if(at EQUAL -1)
        message(FATAL_ERROR "${input}: a different finding than the recorded '${SIGNATURE}':\n${out}")
      endif()
    endif()
    message(STATUS "${input}: reproduces the open finding '${SIGNATURE}'")
  elseif(STATUS STREQUAL "fixed")
    if(NOT result EQUAL 0)
      message(FATAL_ERROR "${input}: recorded as fixed, but it is a finding again:\n${out}")
    endif()
    message(STATUS "${input}: replays clean (fixed)")
  else()
    message(FATAL_ERROR "status '${STATUS}': expected open or fixed")
  endif()
endforeach()
