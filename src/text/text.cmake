# text.cmake -- build-time data for src/text (included from the top
# CMakeLists.txt after the lc library is defined).
#
# The traditional -> simplified table comes from OpenCC's TSCharacters
# dictionary: opencc_dict exports it as text and scripts/gen_t2s.py turns
# the single-character entries into ${LC_GEN_DIR}/t2s_table.c.  Without
# opencc_dict or the dictionary the configure step stops, because the
# normaliser must not silently lose a fold.

find_program(LC_OPENCC_DICT opencc_dict)
if(NOT LC_OPENCC_DICT)
  message(FATAL_ERROR
    "opencc_dict not found: it is needed to generate the traditional->simplified "
    "table for src/text. Install the Debian package 'opencc' (scripts/install-deps.sh), "
    "or set LC_OPENCC_DICT to its path.")
endif()

set(LC_OPENCC_DATA_DIR /usr/share/opencc CACHE PATH "Folder holding OpenCC's *.ocd2 dictionaries")
set(LC_TS_OCD2 ${LC_OPENCC_DATA_DIR}/TSCharacters.ocd2)
if(NOT EXISTS ${LC_TS_OCD2})
  message(FATAL_ERROR
    "${LC_TS_OCD2} not found: install the Debian package 'opencc' or set "
    "LC_OPENCC_DATA_DIR to the folder with TSCharacters.ocd2.")
endif()

find_package(Python3 REQUIRED COMPONENTS Interpreter)

set(LC_T2S_TXT ${LC_GEN_DIR}/TSCharacters.txt)
set(LC_T2S_C ${LC_GEN_DIR}/t2s_table.c)
add_custom_command(
  OUTPUT ${LC_T2S_C}
  COMMAND ${LC_OPENCC_DICT} -i ${LC_TS_OCD2} -o ${LC_T2S_TXT} -f ocd2 -t text
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/scripts/gen_t2s.py ${LC_T2S_TXT} ${LC_T2S_C}
  DEPENDS ${LC_TS_OCD2} ${CMAKE_SOURCE_DIR}/scripts/gen_t2s.py
  BYPRODUCTS ${LC_T2S_TXT}
  COMMENT "Generating the traditional->simplified table from ${LC_TS_OCD2}"
  VERBATIM)
target_sources(lc PRIVATE ${LC_T2S_C})
