/* icu.h - ICU, loaded on first use (icu.c).
 *
 * libcredpolicy does not link ICU: a process that never meets a non-ASCII
 * password or a Han name (the PAM account hook, every sshd login) would pay
 * about 1.25 ms to load it and libstdc++ for nothing. These wrappers have
 * the signatures of the ICU functions they stand for; the first call loads
 * ICU with dlopen, once per process (thread-safe), and the handle is kept
 * for the life of the process.
 *
 * When ICU cannot be loaded, every wrapper fails safely: those with a
 * UErrorCode set it to U_MISSING_RESOURCE_ERROR and return 0 or NULL (an
 * input error code that is already a failure is left alone), the u_is*
 * ones answer by ASCII rules, cp_icu_utrans_openU returns NULL. ICU's header-only macros (U8_NEXT,
 * U16_APPEND, ...) are used directly. */
#ifndef CP_ICU_H
#define CP_ICU_H

#include <stdbool.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utrans.h>

/* Load ICU if not done yet; true when it is usable. Thread-safe. */
bool cp_icu_load(void);
/* True when ICU has been loaded successfully; never loads it. */
bool cp_icu_loaded(void);

UBool cp_icu_u_isdigit(UChar32 c);
UBool cp_icu_u_islower(UChar32 c);
UBool cp_icu_u_istitle(UChar32 c);
UBool cp_icu_u_isupper(UChar32 c);
int32_t cp_icu_u_strFoldCase(UChar *dest, int32_t destCapacity, const UChar *src,
                             int32_t srcLength, uint32_t options, UErrorCode *pErrorCode);
UChar *cp_icu_u_strFromUTF8(UChar *dest, int32_t destCapacity, int32_t *pDestLength,
                            const char *src, int32_t srcLength, UErrorCode *pErrorCode);
char *cp_icu_u_strToUTF8(char *dest, int32_t destCapacity, int32_t *pDestLength,
                         const UChar *src, int32_t srcLength, UErrorCode *pErrorCode);
/* Without ICU, dst gets an empty string (when n > 0). */
UChar *cp_icu_u_uastrncpy(UChar *dst, const char *src, int32_t n);
int32_t cp_icu_unorm2_getDecomposition(const UNormalizer2 *norm2, UChar32 c,
                                       UChar *decomposition, int32_t capacity,
                                       UErrorCode *pErrorCode);
const UNormalizer2 *cp_icu_unorm2_getNFKCInstance(UErrorCode *pErrorCode);
const UNormalizer2 *cp_icu_unorm2_getNFKDInstance(UErrorCode *pErrorCode);
int32_t cp_icu_unorm2_normalize(const UNormalizer2 *norm2, const UChar *src, int32_t length,
                                UChar *dest, int32_t capacity, UErrorCode *pErrorCode);
/* Without ICU: USCRIPT_INVALID_CODE. */
UScriptCode cp_icu_uscript_getScript(UChar32 codepoint, UErrorCode *err);
/* Does nothing (and does not load ICU) unless ICU is loaded. */
void cp_icu_utrans_close(UTransliterator *trans);
UTransliterator *cp_icu_utrans_openU(const UChar *id, int32_t idLength, UTransDirection dir,
                                     const UChar *rules, int32_t rulesLength,
                                     UParseError *parseError, UErrorCode *pErrorCode);
void cp_icu_utrans_transUChars(const UTransliterator *trans, UChar *text,
                               int32_t *textLength, int32_t textCapacity, int32_t start,
                               int32_t *limit, UErrorCode *status);

#endif
