/* icu.c - ICU loaded with dlopen on first use (see icu.h for why).
 *
 * ICU's headers rename every function after the library version
 * (u_strFromUTF8 is u_strFromUTF8_72), so the symbols are looked up by the
 * macro-expanded name, in the major version the headers belong to. dlsym on
 * libicui18n's handle also searches its dependency libicuuc. The library is
 * never closed: ICU keeps global state (caches, loaded data), and a PAM
 * module may be unloaded and loaded again in one process. */
#include "internal.h"
#include "icu.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <unicode/uvernum.h>

/* Every ICU function libcredpolicy calls. */
#define CP_ICU_FUNCTIONS(X)                                                                  \
	X(u_isdigit)                                                                             \
	X(u_islower)                                                                             \
	X(u_istitle)                                                                             \
	X(u_isupper)                                                                             \
	X(u_strFoldCase)                                                                         \
	X(u_strFromUTF8)                                                                         \
	X(u_strToUTF8)                                                                           \
	X(u_uastrncpy)                                                                           \
	X(unorm2_getDecomposition)                                                               \
	X(unorm2_getNFKCInstance)                                                                \
	X(unorm2_getNFKDInstance)                                                                \
	X(unorm2_normalize)                                                                      \
	X(uscript_getScript)                                                                     \
	X(utrans_close)                                                                          \
	X(utrans_openU)                                                                          \
	X(utrans_transUChars)

/* The versioned symbol name: ICU_SYM(u_strFromUTF8) is "u_strFromUTF8_72". */
#define ICU_STR(f) #f
#define ICU_SYM(f) ICU_STR(f)

/* A wrapper must have the very type of the function it stands for. */
#define CHECK_TYPE(f)                                                                        \
	_Static_assert(__builtin_types_compatible_p(__typeof__(&cp_icu_##f), __typeof__(&f)), \
	               "cp_icu_" #f " differs from ICU's " #f);
CP_ICU_FUNCTIONS(CHECK_TYPE)

#define FIELD(f) __typeof__(&f) f;
static struct {
	CP_ICU_FUNCTIONS(FIELD)
} icu;

static pthread_once_t icu_once = PTHREAD_ONCE_INIT;
/* Set once every symbol is resolved; atomic so cp_icu_loaded may read it
 * from any thread (and from destructors) without pthread_once. */
static atomic_bool icu_ok;

static void icu_open(void)
{
	void *h = dlopen("libicui18n.so." U_ICU_VERSION_SHORT, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return;
	/* A symbol missing (an ICU built without renaming, say) leaves ICU
	 * unusable; the handle stays open like a successful one. */
#define RESOLVE(f)                                                                           \
	if ((icu.f = (__typeof__(&f))dlsym(h, ICU_SYM(f))) == NULL)                              \
		return;
	CP_ICU_FUNCTIONS(RESOLVE)
#undef RESOLVE
	atomic_store(&icu_ok, true);
}

bool cp_icu_load(void)
{
	pthread_once(&icu_once, icu_open);
	return atomic_load(&icu_ok);
}

bool cp_icu_loaded(void)
{
	return atomic_load(&icu_ok);
}

/* The failure of the UErrorCode wrappers without ICU; an error already
 * set is kept, as ICU itself does. */
static void set_missing(UErrorCode *err)
{
	if (err != NULL && U_SUCCESS(*err))
		*err = U_MISSING_RESOURCE_ERROR;
}

UBool cp_icu_u_isdigit(UChar32 c)
{
	return cp_icu_load() ? icu.u_isdigit(c) : c >= '0' && c <= '9';
}

UBool cp_icu_u_islower(UChar32 c)
{
	return cp_icu_load() ? icu.u_islower(c) : c >= 'a' && c <= 'z';
}

UBool cp_icu_u_istitle(UChar32 c)
{
	return cp_icu_load() ? icu.u_istitle(c) : false;
}

UBool cp_icu_u_isupper(UChar32 c)
{
	return cp_icu_load() ? icu.u_isupper(c) : c >= 'A' && c <= 'Z';
}

int32_t cp_icu_u_strFoldCase(UChar *dest, int32_t destCapacity, const UChar *src,
                             int32_t srcLength, uint32_t options, UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.u_strFoldCase(dest, destCapacity, src, srcLength, options, pErrorCode);
	set_missing(pErrorCode);
	return 0;
}

UChar *cp_icu_u_strFromUTF8(UChar *dest, int32_t destCapacity, int32_t *pDestLength,
                            const char *src, int32_t srcLength, UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.u_strFromUTF8(dest, destCapacity, pDestLength, src, srcLength,
		                         pErrorCode);
	set_missing(pErrorCode);
	return NULL;
}

char *cp_icu_u_strToUTF8(char *dest, int32_t destCapacity, int32_t *pDestLength,
                         const UChar *src, int32_t srcLength, UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.u_strToUTF8(dest, destCapacity, pDestLength, src, srcLength,
		                       pErrorCode);
	set_missing(pErrorCode);
	return NULL;
}

UChar *cp_icu_u_uastrncpy(UChar *dst, const char *src, int32_t n)
{
	if (cp_icu_load())
		return icu.u_uastrncpy(dst, src, n);
	if (n > 0)
		dst[0] = 0;
	return dst;
}

int32_t cp_icu_unorm2_getDecomposition(const UNormalizer2 *norm2, UChar32 c,
                                       UChar *decomposition, int32_t capacity,
                                       UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.unorm2_getDecomposition(norm2, c, decomposition, capacity, pErrorCode);
	set_missing(pErrorCode);
	return 0;
}

const UNormalizer2 *cp_icu_unorm2_getNFKCInstance(UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.unorm2_getNFKCInstance(pErrorCode);
	set_missing(pErrorCode);
	return NULL;
}

const UNormalizer2 *cp_icu_unorm2_getNFKDInstance(UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.unorm2_getNFKDInstance(pErrorCode);
	set_missing(pErrorCode);
	return NULL;
}

int32_t cp_icu_unorm2_normalize(const UNormalizer2 *norm2, const UChar *src, int32_t length,
                                UChar *dest, int32_t capacity, UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.unorm2_normalize(norm2, src, length, dest, capacity, pErrorCode);
	set_missing(pErrorCode);
	return 0;
}

UScriptCode cp_icu_uscript_getScript(UChar32 codepoint, UErrorCode *err)
{
	if (cp_icu_load())
		return icu.uscript_getScript(codepoint, err);
	set_missing(err);
	return USCRIPT_INVALID_CODE;
}

/* Never loads ICU: a transliterator exists only if ICU was loaded. */
void cp_icu_utrans_close(UTransliterator *trans)
{
	if (cp_icu_loaded())
		icu.utrans_close(trans);
}

UTransliterator *cp_icu_utrans_openU(const UChar *id, int32_t idLength, UTransDirection dir,
                                     const UChar *rules, int32_t rulesLength,
                                     UParseError *parseError, UErrorCode *pErrorCode)
{
	if (cp_icu_load())
		return icu.utrans_openU(id, idLength, dir, rules, rulesLength, parseError,
		                        pErrorCode);
	set_missing(pErrorCode);
	return NULL;
}

void cp_icu_utrans_transUChars(const UTransliterator *trans, UChar *text,
                               int32_t *textLength, int32_t textCapacity, int32_t start,
                               int32_t *limit, UErrorCode *status)
{
	if (cp_icu_load())
		icu.utrans_transUChars(trans, text, textLength, textCapacity, start, limit,
		                       status);
	else
		set_missing(status);
}
