/*
 * Optional accelerator for the slow-log fast path (themis.slowlog.chunk).
 *
 * Kernels for the loops the pure-Python path runs once per entry or per value:
 *
 *   scan(...)        the regular entries of one shape, as chunk.Shape.entry matches them, into
 *                    the batches the Python loop would build (time, db, user/host, fingerprint);
 *   skeleton(raw)    the fingerprint cache key of a statement (what Fingerprinter computes with a
 *                    dozen regular expressions), or None when the statement needs the Python path;
 *   fold_accs(...)   one numeric column of a batch into each class's NumAcc: count, exact sum,
 *                    min, max, pt's log buckets (chunk._fold_accs_py);
 *   fold_bools(...)  one Yes/No column into each class's BoolAcc (chunk._fold_bools_py);
 *   metrics(...)     pct_95, stddev and median from the buckets (digest.NumAcc.metrics).
 *
 * Each gives exactly what its pure-Python twin gives; tests/unit/test_slowlog_chunk.py runs the fast
 * path with and without this module and compares both with the reference parser. Floating-point
 * arithmetic follows Python's operation by operation (no contraction into fused multiply-adds, see
 * the pragma below; never build with -ffast-math): pt's bucket index is int(offset + log(v) / log(1.05)).
 */
/* Each floating-point operation rounded on its own, as in Python: no fused multiply-add. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* libm's log and pow, called as Python calls them: through a pointer the compiler cannot see through,
 * so that it never turns pow(x, 2.0) into x * x (which can differ from libm's pow in the last bit). */
static double (*volatile libm_log)(double) = log;
static double (*volatile libm_pow)(double, double) = pow;

/* ------------------------------------------------------------------------------- skeleton */

static int ascii_space(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int starts_ci(const char *s, Py_ssize_t n, const char *word) {
    Py_ssize_t len = (Py_ssize_t)strlen(word);
    if (n < len)
        return 0;
    for (Py_ssize_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)word[i])
            return 0;
    }
    return 1;
}

static int word_char(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* /\*\w+\.\w+:[0-9]/[0-9]\*\/ anywhere (pt's Percona-tool checksum comment). */
static int has_pt_tool_comment(const char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i + 1 < n; i++) {
        if (s[i] != '/' || s[i + 1] != '*')
            continue;
        Py_ssize_t j = i + 2, k = j;
        while (k < n && word_char((unsigned char)s[k]))
            k++;
        if (k == j || k >= n || s[k] != '.')
            continue;
        j = ++k;
        while (k < n && word_char((unsigned char)s[k]))
            k++;
        if (k == j || k + 6 > n)
            continue;
        if (s[k] == ':' && s[k + 1] >= '0' && s[k + 1] <= '9' && s[k + 2] == '/' && s[k + 3] >= '0' &&
            s[k + 3] <= '9' && s[k + 4] == '*' && s[k + 5] == '/')
            return 1;
    }
    return 0;
}

/* pt's multi-row INSERT/REPLACE cut: the length of group 1 of
 * ((?:INSERT|REPLACE)(?: IGNORE)?\s+INTO.+?VALUES\s*\(.*?\))\s*,\s*\(  (re.I | re.S, at the start),
 * or -1 when it does not match. */
static Py_ssize_t multi_insert_cut(const char *s, Py_ssize_t n) {
    Py_ssize_t head;
    if (starts_ci(s, n, "insert"))
        head = 6;
    else if (starts_ci(s, n, "replace"))
        head = 7;
    else
        return -1;
    for (int with_ignore = 1; with_ignore >= 0; with_ignore--) {
        Py_ssize_t p = head;
        if (with_ignore) {
            if (!(p < n && s[p] == ' ' && starts_ci(s + p + 1, n - p - 1, "ignore")))
                continue;
            p += 7;
        }
        Py_ssize_t q = p;
        while (q < n && ascii_space((unsigned char)s[q]))
            q++;
        if (q == p || !starts_ci(s + q, n - q, "into"))
            continue;
        Py_ssize_t r = q + 4;
        for (Py_ssize_t v = r + 1; v + 6 <= n; v++) {
            if (!starts_ci(s + v, n - v, "values"))
                continue;
            Py_ssize_t w = v + 6;
            while (w < n && ascii_space((unsigned char)s[w]))
                w++;
            if (w >= n || s[w] != '(')
                continue;
            for (Py_ssize_t c = w + 1; c < n; c++) {
                if (s[c] != ')')
                    continue;
                Py_ssize_t t = c + 1;
                while (t < n && ascii_space((unsigned char)s[t]))
                    t++;
                if (t >= n || s[t] != ',')
                    continue;
                t++;
                while (t < n && ascii_space((unsigned char)s[t]))
                    t++;
                if (t < n && s[t] == '(')
                    return c + 1;
            }
        }
    }
    return -1;
}

/* Replace each "<q>...<q>" (lazy, left to right) by '?'; an unmatched quote stays. In place. */
static Py_ssize_t quoted_to_placeholder(char *s, Py_ssize_t n, char quote) {
    Py_ssize_t w = 0, i = 0;
    while (i < n) {
        if (s[i] == quote) {
            char *close = memchr(s + i + 1, quote, (size_t)(n - i - 1));
            if (close != NULL) {
                s[w++] = '?';
                i = (close - s) + 1;
                continue;
            }
        }
        s[w++] = s[i++];
    }
    return w;
}

/* skeleton(raw: bytes) -> bytes | None
 *
 * Fingerprinter's cache key: pt's fingerprint steps 1 to 5 on the raw bytes (multi-row INSERT cut,
 * comments removed, quoted strings as ?), then each run of digits as 0 -- exactly what
 * fingerprint._literal_steps_bytes and a re.sub give. None for the statements whose fingerprint is
 * decided at step 1 or 4 (mysqldump, Percona-tool checksums, administrator commands, CALL, USE):
 * the Python path handles those. */
static PyObject *skeleton_of(const char *raw, Py_ssize_t n) {
    static const char dump[] = "SELECT /*!40001 SQL_NO_CACHE */ * FROM `";
    if ((n >= (Py_ssize_t)sizeof(dump) - 1 && memcmp(raw, dump, sizeof(dump) - 1) == 0) ||
        (n >= 23 && memcmp(raw, "administrator command: ", 23) == 0) || starts_ci(raw, n, "use "))
        Py_RETURN_NONE;
    Py_ssize_t k = 0;
    while (k < n && ascii_space((unsigned char)raw[k]))
        k++;
    if (starts_ci(raw + k, n - k, "call"))
        Py_RETURN_NONE;
    int close_comment = 0;
    for (Py_ssize_t i = 0; i + 1 < n; i++)
        if (raw[i] == '*' && raw[i + 1] == '/') {
            close_comment = 1;
            break;
        }
    if (close_comment && has_pt_tool_comment(raw, n))
        Py_RETURN_NONE;

    char *s = (char *)malloc(n > 0 ? (size_t)n : 1);
    if (s == NULL)
        return PyErr_NoMemory();
    memcpy(s, raw, (size_t)n);
    /* 2. multi-row INSERT/REPLACE */
    Py_ssize_t cut = multi_insert_cut(s, n);
    if (cut >= 0)
        n = cut;
    /* 3a. block comments, but not the version hints (slash-star-bang) */
    Py_ssize_t w = 0, i = 0;
    while (i < n) {
        if (s[i] == '/' && i + 2 < n && s[i + 1] == '*' && s[i + 2] != '!') {
            Py_ssize_t e = -1;
            for (Py_ssize_t j = i + 3; j + 1 < n; j++)
                if (s[j] == '*' && s[j + 1] == '/') {
                    e = j;
                    break;
                }
            if (e >= 0) {
                i = e + 2;
                continue;
            }
        }
        s[w++] = s[i++];
    }
    n = w;
    /* 3b. -- and # comments, up to a line end that comes before any quote */
    w = 0;
    i = 0;
    while (i < n) {
        Py_ssize_t len = (s[i] == '-' && i + 1 < n && s[i + 1] == '-') ? 2 : (s[i] == '#' ? 1 : 0);
        if (len) {
            Py_ssize_t j = i + len;
            while (j < n && s[j] != '\'' && s[j] != '"' && s[j] != '\r' && s[j] != '\n')
                j++;
            if (j == n || s[j] == '\r' || s[j] == '\n') {
                i = j;
                continue;
            }
        }
        s[w++] = s[i++];
    }
    n = w;
    /* 4. USE after comment removal: the Python path */
    if (starts_ci(s, n, "use ")) {
        free(s);
        Py_RETURN_NONE;
    }
    /* 5. escaped quotes dropped, then "..." and '...' as ? */
    if (memchr(s, '\\', (size_t)n)) {
        w = 0;
        i = 0;
        while (i < n) {
            if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '"' || s[i + 1] == '\'')) {
                i += 2;
                continue;
            }
            s[w++] = s[i++];
        }
        n = w;
    }
    n = quoted_to_placeholder(s, n, '"');
    n = quoted_to_placeholder(s, n, '\'');
    /* the key: digit runs as 0 */
    w = 0;
    i = 0;
    while (i < n) {
        if (s[i] >= '0' && s[i] <= '9') {
            s[w++] = '0';
            while (i < n && s[i] >= '0' && s[i] <= '9')
                i++;
        } else {
            s[w++] = s[i++];
        }
    }
    PyObject *out = PyBytes_FromStringAndSize(s, w);
    free(s);
    return out;
}

static PyObject *skeleton(PyObject *self, PyObject *arg) {
    char *raw;
    Py_ssize_t n;
    if (PyBytes_AsStringAndSize(arg, &raw, &n) < 0)
        return NULL;
    return skeleton_of(raw, n);
}

/* ------------------------------------------------------------------------------- fold */

#define KIND_DEC6 0 /* b"123.456789": value in microseconds */
#define KIND_DIGITS 1 /* b"12345": an integer below 2**64 */
#define KIND_PYINT 2 /* a Python int >= 0 below 2**63 */

static int parse_value(PyObject *item, int kind, uint64_t *out) {
    if (kind == KIND_PYINT) {
        unsigned long long v = PyLong_AsUnsignedLongLong(item);
        if (v == (unsigned long long)-1 && PyErr_Occurred())
            return -1;
        *out = (uint64_t)v;
        return 0;
    }
    if (!PyBytes_Check(item)) {
        PyErr_SetString(PyExc_TypeError, "fold: values must be bytes");
        return -1;
    }
    const char *s = PyBytes_AS_STRING(item);
    Py_ssize_t n = PyBytes_GET_SIZE(item);
    uint64_t v = 0;
    int digits = 0, decimals = -1;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (v > (UINT64_MAX - 9) / 10) {
                PyErr_SetString(PyExc_ValueError, "fold: value out of range");
                return -1;
            }
            v = v * 10 + (uint64_t)(c - '0');
            digits++;
            if (decimals >= 0)
                decimals++;
        } else if (c == '.' && kind == KIND_DEC6 && decimals < 0) {
            decimals = 0;
        } else {
            PyErr_SetString(PyExc_ValueError, "fold: value does not have the column's form");
            return -1;
        }
    }
    if (digits == 0 || (kind == KIND_DEC6 && decimals != 6)) {
        PyErr_SetString(PyExc_ValueError, "fold: value does not have the column's form");
        return -1;
    }
    *out = v;
    return 0;
}

static PyObject *u128_to_pylong(unsigned __int128 v) {
    uint64_t hi = (uint64_t)(v >> 64), lo = (uint64_t)v;
    if (hi == 0)
        return PyLong_FromUnsignedLongLong(lo);
    PyObject *h = PyLong_FromUnsignedLongLong(hi);
    PyObject *shift = PyLong_FromLong(64);
    PyObject *l = PyLong_FromUnsignedLongLong(lo);
    PyObject *result = NULL;
    if (h && shift && l) {
        PyObject *t = PyNumber_Lshift(h, shift);
        if (t) {
            result = PyNumber_Or(t, l);
            Py_DECREF(t);
        }
    }
    Py_XDECREF(h);
    Py_XDECREF(shift);
    Py_XDECREF(l);
    return result;
}

static int add_bucket(PyObject *dict, long idx, Py_ssize_t count, PyObject **keys) {
    PyObject *key = keys[idx];
    PyObject *cur = PyDict_GetItemWithError(dict, key);
    long long total = count;
    if (cur != NULL) {
        long long c = PyLong_AsLongLong(cur);
        if (c == -1 && PyErr_Occurred())
            return -1;
        total += c;
    } else if (PyErr_Occurred()) {
        return -1;
    }
    PyObject *val = PyLong_FromLongLong(total);
    if (val == NULL)
        return -1;
    int rc = PyDict_SetItem(dict, key, val);
    Py_DECREF(val);
    return rc;
}

static PyObject *bucket_keys[1000];

/* ------------------------------------------------------------------------------- scan */

/* The regular entries of one shape, as chunk.Shape.entry matches them (see chunk.py for the
 * grammar), one after the other from pos: each becomes the row the Python loop would build and
 * goes into batches[fingerprint]. Stops (returning the position) at the first entry it does not
 * take, at the end, or when the batches are full; the Python loop deals with that entry. */

#define WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\r' || (c) == '\f' || (c) == '\v')
#define NOT_SPACE(c) (!WS(c) && (c) != '\n')
#define DIGIT(c) ((c) >= '0' && (c) <= '9')

static Py_ssize_t line_end(const char *s, Py_ssize_t p, Py_ssize_t end) {
    const char *nl = memchr(s + p, '\n', (size_t)(end - p));
    return nl ? (nl - s) : -1;
}

static int has_prefix(const char *s, Py_ssize_t p, Py_ssize_t end, const char *lit) {
    Py_ssize_t n = (Py_ssize_t)strlen(lit);
    return end - p >= n && memcmp(s + p, lit, (size_t)n) == 0;
}

/* '#' line that looks like an attribute line: # +[A-Z][A-Za-z_]+: \S */
static int attr_looking(const char *s, Py_ssize_t p, Py_ssize_t e) {
    Py_ssize_t i = p + 1;
    if (i >= e || s[i] != ' ')
        return 0;
    while (i < e && s[i] == ' ')
        i++;
    if (i >= e || !(s[i] >= 'A' && s[i] <= 'Z'))
        return 0;
    i++;
    Py_ssize_t k = i;
    while (i < e && ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
        i++;
    if (i == k || i + 2 >= e + 1)
        return 0;
    /* need ':' ' ' and a non-space (the line's '\n' at e is a space) */
    return i + 2 < e + 1 && s[i] == ':' && i + 1 < e && s[i + 1] == ' ' && i + 2 < e && NOT_SPACE(s[i + 2]);
}

static int special_hash_line(const char *s, Py_ssize_t p, Py_ssize_t end) {
    return has_prefix(s, p, end, "# Time:") || has_prefix(s, p, end, "# User@Host:") ||
           has_prefix(s, p, end, "# administrator command:");
}

static int kind_ok(const char *v, Py_ssize_t n, long kind) {
    if (n <= 0)
        return 0;
    if (kind == 0) { /* \d{1,9}\.\d{6} */
        if (n < 8 || n > 16 || v[n - 7] != '.')
            return 0;
        for (Py_ssize_t i = 0; i < n; i++)
            if (i != n - 7 && !DIGIT(v[i]))
                return 0;
        return 1;
    }
    if (kind == 1) { /* \d{1,19} */
        if (n > 19)
            return 0;
        for (Py_ssize_t i = 0; i < n; i++)
            if (!DIGIT(v[i]))
                return 0;
        return 1;
    }
    if (kind == 2)
        return (n == 3 && (memcmp(v, "Yes", 3) == 0 || memcmp(v, "YES", 3) == 0)) ||
               (n == 2 && (memcmp(v, "No", 2) == 0 || memcmp(v, "NO", 2) == 0));
    return v[n - 1] != ':'; /* \S*[^\s:] */
}

static int word(unsigned char c) { return word_char(c); }

/* One attribute line against its spec; fills starts/lens from slot. Returns 1 on match. */
static int match_attr_line(const char *s, Py_ssize_t p, Py_ssize_t e, PyObject *items, Py_ssize_t *slot,
                           Py_ssize_t nslots, Py_ssize_t *vstart, Py_ssize_t *vlen) {
    Py_ssize_t i = p;
    if (s[i] != '#')
        return 0;
    i++;
    if (i >= e || s[i] != ' ')
        return 0;
    while (i < e && s[i] == ' ')
        i++;
    Py_ssize_t nitems = PyTuple_GET_SIZE(items);
    for (Py_ssize_t j = 0; j < nitems; j++) {
        PyObject *item = PyTuple_GET_ITEM(items, j);
        PyObject *key = PyTuple_GET_ITEM(item, 0);
        long kind = PyLong_AsLong(PyTuple_GET_ITEM(item, 1));
        long glue = PyLong_AsLong(PyTuple_GET_ITEM(item, 2));
        const char *k = PyBytes_AS_STRING(key);
        Py_ssize_t kn = PyBytes_GET_SIZE(key);
        if (glue) { /* [^\S\n]+Schema:[^\S\n]+(?=\w+: )KEY */
            Py_ssize_t w0 = i;
            while (i < e && WS(s[i]))
                i++;
            if (i == w0 || e - i < 7 || memcmp(s + i, "Schema:", 7) != 0)
                return 0;
            i += 7;
            w0 = i;
            while (i < e && WS(s[i]))
                i++;
            if (i == w0)
                return 0;
            Py_ssize_t t = i;
            while (t < e && word((unsigned char)s[t]))
                t++;
            if (t == i || t + 1 >= e || s[t] != ':' || s[t + 1] != ' ')
                return 0;
        } else if (j > 0) {
            Py_ssize_t w0 = i;
            while (i < e && WS(s[i]))
                i++;
            if (i == w0)
                return 0;
        }
        if (e - i < kn + 1 || memcmp(s + i, k, (size_t)kn) != 0 || s[i + kn] != ':')
            return 0;
        i += kn + 1;
        if (j == 0 && !glue) {
            if (i >= e || s[i] != ' ')
                return 0;
            i++;
        } else {
            Py_ssize_t w0 = i;
            while (i < e && WS(s[i]))
                i++;
            if (i == w0)
                return 0;
        }
        Py_ssize_t v0 = i;
        while (i < e && NOT_SPACE(s[i]))
            i++;
        if (!kind_ok(s + v0, i - v0, kind) || *slot >= nslots)
            return 0;
        vstart[*slot] = v0;
        vlen[*slot] = i - v0;
        (*slot)++;
    }
    while (i < e && WS(s[i]))
        i++;
    return i == e;
}

static int valid_utf8(const unsigned char *s, Py_ssize_t n) {
    Py_ssize_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        int len;
        unsigned int cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (int j = 1; j < len; j++) {
            unsigned char d = s[i + j];
            if ((d & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (d & 0x3F);
        }
        if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return 0;
        i += len;
    }
    return 1;
}

/* SET ... timestamp=(\d+)(?:\.(\d{1,6}))? searched in the line: microseconds, or -1 (none / out of
 * datetime's range, like parser._parse_set_timestamp). */
static long long set_timestamp(const char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i + 10 < n + 0; i++) {
        if (memcmp(s + i, "timestamp=", 10) != 0 || i + 10 >= n || !DIGIT(s[i + 10]))
            continue;
        Py_ssize_t j = i + 10;
        unsigned long long sec = 0;
        int big = 0;
        while (j < n && DIGIT(s[j])) {
            if (sec > 1000000000000ULL)
                big = 1;
            else
                sec = sec * 10 + (unsigned long long)(s[j] - '0');
            j++;
        }
        if (big || sec > 253402300799ULL)
            return -1;
        long long frac = 0;
        if (j + 1 < n + 1 && j < n && s[j] == '.' && j + 1 < n && DIGIT(s[j + 1])) {
            int d = 0;
            j++;
            while (j < n && DIGIT(s[j]) && d < 6) {
                frac = frac * 10 + (s[j] - '0');
                d++;
                j++;
            }
            while (d < 6) {
                frac *= 10;
                d++;
            }
        }
        return (long long)sec * 1000000LL + frac;
    }
    return -1;
}

/* The # Time: line's value when it is ISO 8601 with a zone (Z or +hh:mm), as parser._parse_time_line
 * reads it: 1 and *us set; 0 when Python must decide (no zone, the old YYMMDD format, odd values). */
static int days_in_month(int y, int m) {
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static long long days_from_civil(long long y, int m, int d) {
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int num(const char *s, int n, int *out) {
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!DIGIT(s[i]))
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

static int iso_time(const char *s, Py_ssize_t n, long long *us) {
    Py_ssize_t a = 0, b = n;
    while (a < b && (WS(s[a]) || s[a] == '\n'))
        a++;
    while (b > a && (WS(s[b - 1]) || s[b - 1] == '\n'))
        b--;
    const char *t = s + a;
    Py_ssize_t len = b - a;
    int y, mo, d, h, mi, se;
    if (len < 19 || t[4] != '-' || t[7] != '-' || (t[10] != 'T' && t[10] != ' ') || t[13] != ':' || t[16] != ':')
        return 0;
    if (!num(t, 4, &y) || !num(t + 5, 2, &mo) || !num(t + 8, 2, &d) || !num(t + 11, 2, &h) || !num(t + 14, 2, &mi) ||
        !num(t + 17, 2, &se))
        return 0;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59)
        return 0;
    Py_ssize_t i = 19;
    long long frac = 0;
    if (i < len && t[i] == '.' && i + 1 < len && DIGIT(t[i + 1])) {
        int digits = 0;
        i++;
        while (i < len && DIGIT(t[i])) {
            if (digits < 6) {
                frac = frac * 10 + (t[i] - '0');
                digits++;
            }
            i++;
        }
        while (digits < 6) {
            frac *= 10;
            digits++;
        }
    }
    while (i < len && (WS(t[i]) || t[i] == '\n'))
        i++;
    long long offset = 0;
    if (i < len && t[i] == 'Z') {
        offset = 0;
    } else if (i < len && (t[i] == '+' || t[i] == '-')) {
        int oh, om;
        if (i + 3 > len || !num(t + i + 1, 2, &oh))
            return 0;
        Py_ssize_t j = i + 3;
        if (j < len && t[j] == ':')
            j++;
        if (j + 2 > len || !num(t + j, 2, &om) || oh > 23 || om > 59)
            return 0;
        offset = (oh * 3600LL + om * 60LL) * (t[i] == '-' ? -1 : 1);
    } else {
        return 0; /* no zone: server-local time, Python knows the zone */
    }
    long long secs = days_from_civil(y, mo, d) * 86400LL + h * 3600LL + mi * 60LL + se - offset;
    /* the UTC result must be a datetime (years 1..9999), else Python says None */
    if (secs < -62135596800LL || secs > 253402300799LL)
        return 0;
    *us = secs * 1000000LL + frac;
    return 1;
}

/* The lexical state at the end of statement text s[0:n): 0 (code), or the open construct: ' " `
 * or * (a comment). parser.statement_state with the same rules: backslash escapes and doubled
 * quotes in strings, "-- " and # comments to the line end, /<star>! /<star>+ /<star>M! comments whose
 * content is code. A header line only ends a statement whose text is in state 0. */
static int sql_state(const char *s, Py_ssize_t n) {
    int state = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        char c = s[i];
        if (state == 0) {
            if (c == '\'' || c == '"' || c == '`') {
                state = c;
            } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
                if (i + 2 < n && (s[i + 2] == '!' || s[i + 2] == '+'))
                    i += 2;
                else if (i + 3 < n && s[i + 2] == 'M' && s[i + 3] == '!')
                    i += 3;
                else {
                    state = '*';
                    i++;
                }
            } else if (c == '#' || (c == '-' && i + 2 < n && s[i + 1] == '-' && (unsigned char)s[i + 2] <= ' ')) {
                const char *nl = memchr(s + i, '\n', (size_t)(n - i));
                i = nl ? (nl - s) : n;
            }
        } else if (state == '*') {
            if (c == '*' && i + 1 < n && s[i + 1] == '/') {
                state = 0;
                i++;
            }
        } else if (c == '\\' && state != '`') {
            i++;
        } else if (c == state) {
            state = 0;
        }
    }
    return state;
}

static PyObject *sql_state_py(PyObject *self, PyObject *arg) {
    char *text;
    Py_ssize_t n;
    if (PyBytes_AsStringAndSize(arg, &text, &n) < 0)
        return NULL;
    return PyLong_FromLong(sql_state(text, n));
}

static PyObject *call1(PyObject *fn, PyObject *arg) {
    PyObject *r = PyObject_CallOneArg(fn, arg);
    return r;
}

/* scan(data, pos, end, start, lines, keep, schema, batches, st, hooks, limit) -> pos
 *   lines:  tuple of attribute lines, each a tuple of (key: bytes, kind: int, glue: int)
 *   keep:   tuple of bools, one per value: store it (else None: an ignored attribute)
 *   schema: index of the Schema value, or -1
 *   st:     [ts, db, head_end, parsed, events_in, events_out, last_set, last_set_ts, non_utf8,
 *            non_utf8_offsets, pending, since, until, unknown_ts]   (read and written back)
 *   hooks:  (user_host, user_and_host, dbs, db_name, time_line, fp_cache, fingerprint, banner) */
static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *data, *lines, *keep, *batches, *st, *hooks;
    Py_ssize_t pos, end, start, schema, limit;
    if (!PyArg_ParseTuple(args, "OnnnOOnOOOn", &data, &pos, &end, &start, &lines, &keep, &schema, &batches, &st,
                          &hooks, &limit))
        return NULL;
    if (!PyBytes_Check(data) || !PyTuple_Check(lines) || !PyTuple_Check(keep) || !PyDict_Check(batches) ||
        !PyList_Check(st) || PyList_GET_SIZE(st) < 14 || !PyTuple_Check(hooks) || PyTuple_GET_SIZE(hooks) < 8) {
        PyErr_SetString(PyExc_TypeError, "scan: bad arguments");
        return NULL;
    }
    const char *s = PyBytes_AS_STRING(data);
    if (end > PyBytes_GET_SIZE(data))
        end = PyBytes_GET_SIZE(data);
    PyObject *user_host = PyTuple_GET_ITEM(hooks, 0), *user_and_host = PyTuple_GET_ITEM(hooks, 1);
    PyObject *dbs = PyTuple_GET_ITEM(hooks, 2), *db_name = PyTuple_GET_ITEM(hooks, 3);
    PyObject *time_line = PyTuple_GET_ITEM(hooks, 4), *fp_cache = PyTuple_GET_ITEM(hooks, 5);
    PyObject *fingerprint = PyTuple_GET_ITEM(hooks, 6), *banner = PyTuple_GET_ITEM(hooks, 7);

    Py_ssize_t *vstart = NULL, *vlen = NULL;
    PyObject *ts = PyList_GET_ITEM(st, 0), *db = PyList_GET_ITEM(st, 1);
    Py_INCREF(ts);
    Py_INCREF(db);
    Py_ssize_t head_end = PyLong_AsSsize_t(PyList_GET_ITEM(st, 2));
    Py_ssize_t parsed = PyLong_AsSsize_t(PyList_GET_ITEM(st, 3));
    Py_ssize_t events_in = PyLong_AsSsize_t(PyList_GET_ITEM(st, 4));
    Py_ssize_t events_out = PyLong_AsSsize_t(PyList_GET_ITEM(st, 5));
    PyObject *last_set = PyList_GET_ITEM(st, 6), *last_set_ts = PyList_GET_ITEM(st, 7);
    Py_INCREF(last_set);
    Py_INCREF(last_set_ts);
    Py_ssize_t non_utf8 = PyLong_AsSsize_t(PyList_GET_ITEM(st, 8));
    PyObject *non_utf8_offsets = PyList_GET_ITEM(st, 9);
    Py_ssize_t pending = PyLong_AsSsize_t(PyList_GET_ITEM(st, 10));
    PyObject *since_o = PyList_GET_ITEM(st, 11), *until_o = PyList_GET_ITEM(st, 12);
    PyObject *unknown = PyList_GET_ITEM(st, 13);
    if (PyErr_Occurred())
        goto fail;
    int has_since = since_o != Py_None, has_until = until_o != Py_None;
    long long since = has_since ? PyLong_AsLongLong(since_o) : 0, until = has_until ? PyLong_AsLongLong(until_o) : 0;
    if (PyErr_Occurred())
        goto fail;

    Py_ssize_t nlines = PyTuple_GET_SIZE(lines);
    Py_ssize_t nvalues = PyTuple_GET_SIZE(keep);
    /* One slot per value of the shape, however many its lines carry: no content of the log can be
     * beyond this kernel's limits (a fixed array once made wide entries fail the whole digest). */
    vstart = PyMem_New(Py_ssize_t, nvalues > 0 ? nvalues : 1);
    vlen = PyMem_New(Py_ssize_t, nvalues > 0 ? nvalues : 1);
    if (vstart == NULL || vlen == NULL) {
        PyErr_NoMemory();
        goto fail;
    }

    while (pos < end && pending < limit) {
        Py_ssize_t p = pos, e;
        Py_ssize_t t0 = -1, t1 = -1;
        /* # Time: line (optional) and # User@Host: line */
        if (has_prefix(s, p, end, "# Time:")) {
            e = line_end(s, p, end);
            if (e < 0)
                break;
            t0 = p + 7;
            t1 = e;
            p = e + 1;
        }
        if (!has_prefix(s, p, end, "# User@Host:"))
            break;
        e = line_end(s, p, end);
        if (e < 0)
            break;
        Py_ssize_t uh0 = p + 12, uh1 = uh0;
        for (Py_ssize_t i = e - 1; i >= uh0; i--)
            if (s[i] == ']') {
                uh1 = i + 1;
                break;
            }
        p = e + 1;
        /* attribute block: non-attribute '#' lines anywhere, the shape's lines in order */
        Py_ssize_t slot = 0;
        int ok = 1;
        for (Py_ssize_t li = 0; li <= nlines && ok; li++) {
            while (p < end && s[p] == '#') {
                e = line_end(s, p, end);
                if (e < 0) {
                    ok = 0;
                    break;
                }
                if (attr_looking(s, p, e) || special_hash_line(s, p, end))
                    break;
                p = e + 1;
            }
            if (!ok || li == nlines)
                break;
            if (p >= end || s[p] != '#') {
                ok = 0;
                break;
            }
            e = line_end(s, p, end);
            if (e < 0 || !match_attr_line(s, p, e, PyTuple_GET_ITEM(lines, li), &slot, nvalues, vstart, vlen)) {
                ok = 0;
                break;
            }
            p = e + 1;
        }
        if (!ok || slot != nvalues)
            break;
        /* meta lines: use ... / SET timestamp|last_insert_id|insert_id ... */
        Py_ssize_t set0 = -1, set1 = -1, use0 = -1, use1 = -1;
        while (p < end && (has_prefix(s, p, end, "use ") || has_prefix(s, p, end, "SET timestamp") ||
                           has_prefix(s, p, end, "SET last_insert_id") || has_prefix(s, p, end, "SET insert_id"))) {
            e = line_end(s, p, end);
            if (e < 0)
                break;
            if (s[p] == 'u') {
                if (use0 < 0) { /* use ([^;\r\n]+), then rstrip() */
                    Py_ssize_t a = p + 4, b = a;
                    while (b < e && s[b] != ';' && s[b] != '\r')
                        b++;
                    if (b > a) {
                        while (b > a && (WS(s[b - 1]) || s[b - 1] == '\n'))
                            b--;
                        use0 = a;
                        use1 = b;
                    }
                }
            } else if (set0 < 0) {
                set0 = p;
                set1 = e;
            }
            p = e + 1;
        }
        if (p < end && (has_prefix(s, p, end, "use ") || has_prefix(s, p, end, "SET timestamp") ||
                        has_prefix(s, p, end, "SET last_insert_id") || has_prefix(s, p, end, "SET insert_id")))
            break; /* a partial meta line */
        /* statement: lines not starting with '#', the first not blank */
        if (p >= end || s[p] == '#' || s[p] == '\n')
            break;
        Py_ssize_t st0 = p;
        int t_line = 0;
        while (p < end && s[p] != '#') {
            e = line_end(s, p, end);
            if (e < 0)
                break;
            if (s[p] == 'T')
                t_line = 1;
            p = e + 1;
        }
        Py_ssize_t st1 = p;
        if (!(p == end || has_prefix(s, p, end, "# Time:") || has_prefix(s, p, end, "# User@Host:") ||
              has_prefix(s, p, end, "# Thread_id:") || has_prefix(s, p, end, "# Query_time:")))
            break;
        Py_ssize_t raw1;
        if (st1 - st0 >= 2 && s[st1 - 2] == ';' && s[st1 - 1] == '\n')
            raw1 = st1 - 2;
        else if (st1 - st0 >= 3 && s[st1 - 3] == ';' && s[st1 - 2] == '\r' && s[st1 - 1] == '\n')
            raw1 = st1 - 3;
        else
            break;
        if (sql_state(s + st0, st1 - st0) != 0)
            break; /* the header after it is statement text: the reference parser decides */
        if (!t_line) {
            for (Py_ssize_t i = st0; i + 9 <= st1; i++)
                if (s[i] == ',' && memcmp(s + i, ", Version", 9) == 0) {
                    t_line = 1;
                    break;
                }
        }
        if (t_line) {
            PyObject *stmt = PyBytes_FromStringAndSize(s + st0, st1 - st0);
            if (!stmt)
                goto fail;
            PyObject *r = call1(banner, stmt);
            Py_DECREF(stmt);
            if (!r)
                goto fail;
            int is_banner = PyObject_IsTrue(r);
            Py_DECREF(r);
            if (is_banner)
                break;
        }
        /* user and host */
        PyObject *key = PyBytes_FromStringAndSize(s + uh0, uh1 - uh0);
        if (!key)
            goto fail;
        PyObject *people = PyDict_GetItemWithError(user_host, key);
        if (people) {
            Py_INCREF(people);
        } else {
            if (PyErr_Occurred()) {
                Py_DECREF(key);
                goto fail;
            }
            people = call1(user_and_host, key);
        }
        Py_DECREF(key);
        if (!people)
            goto fail;
        if (people == Py_None) {
            Py_DECREF(people);
            break;
        }
        /* from here on the entry is taken */
        Py_ssize_t entry_at = pos;
        pos = st1;
        parsed++;
        /* time: the # Time: line (pt's ts), else the one carried from earlier entries, else SET timestamp */
        PyObject *own_ts = NULL;
        if (t0 >= 0) {
            long long us;
            int parsed_time = iso_time(s + t0, t1 - t0, &us);
            if (parsed_time == 1) {
                own_ts = PyLong_FromLongLong(us);
                if (!own_ts) {
                    Py_DECREF(people);
                    goto fail;
                }
            } else {
                PyObject *raw_time = PyBytes_FromStringAndSize(s + t0, t1 - t0);
                if (!raw_time) {
                    Py_DECREF(people);
                    goto fail;
                }
                PyObject *r = call1(time_line, raw_time);
                Py_DECREF(raw_time);
                if (!r) {
                    Py_DECREF(people);
                    goto fail;
                }
                if (r == Py_None)
                    Py_DECREF(r);
                else
                    own_ts = r;
            }
        }
        PyObject *event_ts; /* a new reference */
        if (own_ts != NULL) {
            Py_INCREF(own_ts);
            Py_SETREF(ts, own_ts);
            event_ts = own_ts;
            if (head_end < 0)
                head_end = entry_at;
        } else if (ts != Py_None) {
            event_ts = ts;
            Py_INCREF(event_ts);
        } else if (set0 >= 0) {
            if (!(PyBytes_GET_SIZE(last_set) == set1 - set0 && memcmp(PyBytes_AS_STRING(last_set), s + set0, (size_t)(set1 - set0)) == 0)) {
                long long us = set_timestamp(s + set0, set1 - set0);
                PyObject *nl = PyBytes_FromStringAndSize(s + set0, set1 - set0);
                PyObject *nt = us >= 0 ? PyLong_FromLongLong(us) : (Py_INCREF(Py_None), Py_None);
                if (!nl || !nt) {
                    Py_XDECREF(nl);
                    Py_XDECREF(nt);
                    Py_DECREF(people);
                    goto fail;
                }
                Py_SETREF(last_set, nl);
                Py_SETREF(last_set_ts, nt);
            }
            event_ts = last_set_ts;
            Py_INCREF(event_ts);
        } else {
            event_ts = Py_None;
            Py_INCREF(event_ts);
        }
        /* db */
        Py_ssize_t d0 = -1, d1 = -1;
        if (use0 >= 0) {
            d0 = use0;
            d1 = use1;
        } else if (schema >= 0) {
            d0 = vstart[schema];
            d1 = d0 + vlen[schema];
        }
        if (d0 >= 0) {
            PyObject *rawdb = PyBytes_FromStringAndSize(s + d0, d1 - d0);
            if (!rawdb) {
                Py_DECREF(people);
                Py_DECREF(event_ts);
                goto fail;
            }
            PyObject *name = PyDict_GetItemWithError(dbs, rawdb);
            if (name)
                Py_INCREF(name);
            else if (!PyErr_Occurred())
                name = call1(db_name, rawdb);
            Py_DECREF(rawdb);
            if (!name) {
                Py_DECREF(people);
                Py_DECREF(event_ts);
                goto fail;
            }
            Py_SETREF(db, name);
        }
        /* UTF-8 */
        const unsigned char *raw = (const unsigned char *)(s + st0);
        Py_ssize_t rawn = raw1 - st0;
        int ascii = 1;
        for (Py_ssize_t i = 0; i < rawn; i++)
            if (raw[i] >= 0x80) {
                ascii = 0;
                break;
            }
        if (!ascii && !valid_utf8(raw, rawn)) {
            non_utf8++;
            if (PyList_GET_SIZE(non_utf8_offsets) < 50) {
                PyObject *o = PyLong_FromSsize_t(start + entry_at);
                if (!o || PyList_Append(non_utf8_offsets, o) < 0) {
                    Py_XDECREF(o);
                    Py_DECREF(people);
                    Py_DECREF(event_ts);
                    goto fail;
                }
                Py_DECREF(o);
            }
        }
        if (event_ts == unknown) {
            Py_DECREF(people);
            Py_DECREF(event_ts);
            continue; /* a head entry */
        }
        if (has_since || has_until) {
            int out = 0;
            if (event_ts == Py_None) {
                out = 1;
            } else {
                long long tv = PyLong_AsLongLong(event_ts);
                if (tv == -1 && PyErr_Occurred()) {
                    Py_DECREF(people);
                    Py_DECREF(event_ts);
                    goto fail;
                }
                out = (has_since && tv < since) || (has_until && tv >= until);
            }
            if (out) {
                events_out++;
                Py_DECREF(people);
                Py_DECREF(event_ts);
                continue;
            }
        }
        events_in++;
        /* fingerprint */
        PyObject *rawobj = PyBytes_FromStringAndSize((const char *)raw, rawn);
        if (!rawobj) {
            Py_DECREF(people);
            Py_DECREF(event_ts);
            goto fail;
        }
        PyObject *fp = NULL;
        PyObject *sk = skeleton_of((const char *)raw, rawn);
        if (!sk) {
            Py_DECREF(rawobj);
            Py_DECREF(people);
            Py_DECREF(event_ts);
            goto fail;
        }
        if (sk != Py_None) {
            fp = PyDict_GetItemWithError(fp_cache, sk);
            if (fp)
                Py_INCREF(fp);
        }
        Py_DECREF(sk);
        if (!fp) {
            if (PyErr_Occurred()) {
                Py_DECREF(rawobj);
                Py_DECREF(people);
                Py_DECREF(event_ts);
                goto fail;
            }
            fp = call1(fingerprint, rawobj);
            if (!fp) {
                Py_DECREF(rawobj);
                Py_DECREF(people);
                Py_DECREF(event_ts);
                goto fail;
            }
        }
        /* the row */
        PyObject *values = PyTuple_New(nvalues);
        if (!values) {
            Py_DECREF(fp);
            Py_DECREF(rawobj);
            Py_DECREF(people);
            Py_DECREF(event_ts);
            goto fail;
        }
        for (Py_ssize_t v = 0; v < nvalues; v++) {
            PyObject *item;
            if (PyTuple_GET_ITEM(keep, v) == Py_True) {
                item = PyBytes_FromStringAndSize(s + vstart[v], vlen[v]);
                if (!item) {
                    Py_DECREF(values);
                    Py_DECREF(fp);
                    Py_DECREF(rawobj);
                    Py_DECREF(people);
                    Py_DECREF(event_ts);
                    goto fail;
                }
            } else {
                item = Py_None;
                Py_INCREF(item);
            }
            PyTuple_SET_ITEM(values, v, item);
        }
        PyObject *offset = PyLong_FromSsize_t(start + entry_at);
        PyObject *row = offset ? PyTuple_Pack(6, values, offset, event_ts, db, people, rawobj) : NULL;
        Py_DECREF(values);
        Py_XDECREF(offset);
        Py_DECREF(rawobj);
        Py_DECREF(people);
        Py_DECREF(event_ts);
        if (!row) {
            Py_DECREF(fp);
            goto fail;
        }
        PyObject *lst = PyDict_GetItemWithError(batches, fp);
        if (lst == NULL) {
            if (PyErr_Occurred() || !(lst = PyList_New(0)) || PyDict_SetItem(batches, fp, lst) < 0) {
                Py_XDECREF(lst);
                Py_DECREF(row);
                Py_DECREF(fp);
                goto fail;
            }
            Py_DECREF(lst); /* the dict holds it */
        }
        Py_DECREF(fp);
        int rc = PyList_Append(lst, row);
        Py_DECREF(row);
        if (rc < 0)
            goto fail;
        pending++;
    }

    {
        PyObject *vals[11];
        vals[0] = PyLong_FromSsize_t(head_end);
        vals[1] = PyLong_FromSsize_t(parsed);
        vals[2] = PyLong_FromSsize_t(events_in);
        vals[3] = PyLong_FromSsize_t(events_out);
        vals[4] = PyLong_FromSsize_t(non_utf8);
        vals[5] = PyLong_FromSsize_t(pending);
        if (!vals[0] || !vals[1] || !vals[2] || !vals[3] || !vals[4] || !vals[5]) {
            for (int i = 0; i < 6; i++)
                Py_XDECREF(vals[i]);
            goto fail;
        }
        PyList_SetItem(st, 0, ts); /* steals */
        PyList_SetItem(st, 1, db);
        PyList_SetItem(st, 2, vals[0]);
        PyList_SetItem(st, 3, vals[1]);
        PyList_SetItem(st, 4, vals[2]);
        PyList_SetItem(st, 5, vals[3]);
        PyList_SetItem(st, 6, last_set);
        PyList_SetItem(st, 7, last_set_ts);
        PyList_SetItem(st, 8, vals[4]);
        PyList_SetItem(st, 10, vals[5]);
    }
    PyMem_Free(vstart);
    PyMem_Free(vlen);
    return PyLong_FromSsize_t(pos);
fail:
    PyMem_Free(vstart);
    PyMem_Free(vlen);
    Py_XDECREF(ts);
    Py_XDECREF(db);
    Py_XDECREF(last_set);
    Py_XDECREF(last_set_ts);
    return NULL;
}

/* ------------------------------------------------------------------------------- fold into accumulators */

static PyObject *s_cnt, *s_isum, *s_usum, *s_floats, *s_lo, *s_hi, *s_buckets, *s_nums, *s_bools, *s_yes;

static int add_attr_ll(PyObject *obj, PyObject *name, PyObject *delta) {
    PyObject *cur = PyObject_GetAttr(obj, name);
    if (!cur)
        return -1;
    PyObject *sum = PyNumber_Add(cur, delta);
    Py_DECREF(cur);
    if (!sum)
        return -1;
    int rc = PyObject_SetAttr(obj, name, sum);
    Py_DECREF(sum);
    return rc;
}

/* lo/hi widened as NumAcc.bound does: a smaller (larger) value, or an equal int over a float. */
static int widen(PyObject *acc, PyObject *name, PyObject *value, int op) {
    PyObject *cur = PyObject_GetAttr(acc, name);
    if (!cur)
        return -1;
    int replace = cur == Py_None;
    if (!replace) {
        int r = PyObject_RichCompareBool(value, cur, op);
        if (r < 0) {
            Py_DECREF(cur);
            return -1;
        }
        replace = r;
        if (!replace && PyLong_CheckExact(value)) {
            int eq = PyObject_RichCompareBool(value, cur, Py_EQ);
            if (eq < 0) {
                Py_DECREF(cur);
                return -1;
            }
            replace = eq;
        }
    }
    Py_DECREF(cur);
    return replace ? PyObject_SetAttr(acc, name, value) : 0;
}

static PyObject *acc_for(PyObject *cls, PyObject *group, PyObject *name, PyObject *type) {
    PyObject *dict = PyObject_GetAttr(cls, group);
    if (!dict)
        return NULL;
    PyObject *acc = PyDict_GetItemWithError(dict, name);
    if (acc) {
        Py_INCREF(acc);
    } else if (!PyErr_Occurred()) {
        acc = PyObject_CallNoArgs(type);
        if (acc && PyDict_SetItem(dict, name, acc) < 0)
            Py_CLEAR(acc);
    }
    Py_DECREF(dict);
    return acc;
}

/* fold_accs(values, kind, ends, classes, name, NumAcc, base_offset, base_log) -> [(hi, argmax)]
 * One numeric column of a batch, into each class's NumAcc ``name`` (created when missing): what
 * chunk._fold_accs_py does. hi is in microseconds for kind 0 (dec6). */
static PyObject *fold_accs(PyObject *self, PyObject *args) {
    PyObject *values, *ends, *classes, *name, *type;
    int kind;
    double base_offset, base_log;
    if (!PyArg_ParseTuple(args, "OiOOOOdd", &values, &kind, &ends, &classes, &name, &type, &base_offset, &base_log))
        return NULL;
    if (kind < 0 || kind > 2 || !PyList_Check(ends) || !PyList_Check(classes) ||
        PyList_GET_SIZE(ends) != PyList_GET_SIZE(classes)) {
        PyErr_SetString(PyExc_ValueError, "fold_accs: bad arguments");
        return NULL;
    }
    PyObject *vseq = PySequence_Fast(values, "fold_accs: values must be a sequence");
    if (!vseq)
        return NULL;
    PyObject **vitems = PySequence_Fast_ITEMS(vseq);
    Py_ssize_t nval = PySequence_Fast_GET_SIZE(vseq), nseg = PyList_GET_SIZE(ends);
    PyObject *result = PyList_New(nseg);
    uint32_t *counts = (uint32_t *)calloc(1000, sizeof(uint32_t));
    if (!result || !counts) {
        if (!counts)
            PyErr_NoMemory();
        goto fail;
    }
    Py_ssize_t a = 0;
    for (Py_ssize_t k = 0; k < nseg; k++) {
        Py_ssize_t b = PyLong_AsSsize_t(PyList_GET_ITEM(ends, k));
        if ((b == -1 && PyErr_Occurred()) || b < a || b > nval || b == a) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "fold_accs: bad segment ends");
            goto fail;
        }
        unsigned __int128 total = 0;
        uint64_t lo = UINT64_MAX, hi = 0;
        Py_ssize_t argmax = a;
        int seen[1000];
        int nseen = 0;
        for (Py_ssize_t i = a; i < b; i++) {
            uint64_t v;
            if (parse_value(vitems[i], kind, &v) < 0)
                goto fail;
            total += v;
            if (v < lo)
                lo = v;
            if (v >= hi) {
                hi = v;
                argmax = i;
            }
            double x = kind == KIND_DEC6 ? (double)v / 1e6 : (double)v;
            long idx;
            if (x < 0.000001) {
                idx = 0;
            } else {
                double t = base_offset + libm_log(x) / base_log;
                idx = t >= 999.0 ? 999 : (long)t;
                if (idx < 0)
                    idx = 0;
            }
            if (counts[idx]++ == 0)
                seen[nseen++] = (int)idx;
        }
        PyObject *acc = acc_for(PyList_GET_ITEM(classes, k), s_nums, name, type);
        if (!acc)
            goto fail;
        PyObject *buckets = PyObject_GetAttr(acc, s_buckets);
        int ok = buckets && PyDict_Check(buckets);
        for (int j = 0; ok && j < nseen; j++) {
            int idx = seen[j];
            if (add_bucket(buckets, idx, (Py_ssize_t)counts[idx], bucket_keys) < 0)
                ok = 0;
            counts[idx] = 0;
        }
        for (int j = 0; j < nseen; j++)
            counts[seen[j]] = 0;
        Py_XDECREF(buckets);
        PyObject *n = PyLong_FromSsize_t(b - a);
        PyObject *tot = u128_to_pylong(total);
        PyObject *lo_o = kind == KIND_DEC6 ? PyFloat_FromDouble((double)lo / 1e6) : PyLong_FromUnsignedLongLong(lo);
        PyObject *hi_o = kind == KIND_DEC6 ? PyFloat_FromDouble((double)hi / 1e6) : PyLong_FromUnsignedLongLong(hi);
        ok = ok && n && tot && lo_o && hi_o && add_attr_ll(acc, s_cnt, n) == 0 &&
             add_attr_ll(acc, kind == KIND_DEC6 ? s_usum : s_isum, tot) == 0 &&
             (kind != KIND_DEC6 || PyObject_SetAttr(acc, s_floats, Py_True) == 0) &&
             widen(acc, s_lo, lo_o, Py_LT) == 0 && widen(acc, s_hi, hi_o, Py_GT) == 0;
        Py_XDECREF(n);
        Py_XDECREF(tot);
        Py_XDECREF(lo_o);
        Py_XDECREF(hi_o);
        Py_DECREF(acc);
        if (!ok) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "fold_accs: NumAcc.buckets must be a dict");
            goto fail;
        }
        PyObject *item = Py_BuildValue("(Kn)", (unsigned long long)hi, argmax);
        if (!item)
            goto fail;
        PyList_SET_ITEM(result, k, item);
        a = b;
    }
    free(counts);
    Py_DECREF(vseq);
    return result;
fail:
    free(counts);
    Py_DECREF(vseq);
    Py_XDECREF(result);
    return NULL;
}

/* fold_bools(column, ends, classes, name, BoolAcc): Yes/No/YES/NO values into each class's BoolAcc. */
static PyObject *fold_bools(PyObject *self, PyObject *args) {
    PyObject *column, *ends, *classes, *name, *type;
    if (!PyArg_ParseTuple(args, "OOOOO", &column, &ends, &classes, &name, &type))
        return NULL;
    if (!PyList_Check(ends) || !PyList_Check(classes) || PyList_GET_SIZE(ends) != PyList_GET_SIZE(classes)) {
        PyErr_SetString(PyExc_ValueError, "fold_bools: bad arguments");
        return NULL;
    }
    PyObject *vseq = PySequence_Fast(column, "fold_bools: column must be a sequence");
    if (!vseq)
        return NULL;
    PyObject **vitems = PySequence_Fast_ITEMS(vseq);
    Py_ssize_t nval = PySequence_Fast_GET_SIZE(vseq), a = 0;
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(ends); k++) {
        Py_ssize_t b = PyLong_AsSsize_t(PyList_GET_ITEM(ends, k));
        if ((b == -1 && PyErr_Occurred()) || b < a || b > nval) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "fold_bools: bad segment ends");
            Py_DECREF(vseq);
            return NULL;
        }
        long long yes = 0;
        for (Py_ssize_t i = a; i < b; i++) {
            PyObject *v = vitems[i];
            if (PyBytes_Check(v) && PyBytes_GET_SIZE(v) == 3 &&
                (memcmp(PyBytes_AS_STRING(v), "Yes", 3) == 0 || memcmp(PyBytes_AS_STRING(v), "YES", 3) == 0))
                yes++;
        }
        PyObject *acc = acc_for(PyList_GET_ITEM(classes, k), s_bools, name, type);
        PyObject *n = PyLong_FromSsize_t(b - a), *y = PyLong_FromLongLong(yes);
        int ok = acc && n && y && add_attr_ll(acc, s_cnt, n) == 0 && add_attr_ll(acc, s_yes, y) == 0;
        Py_XDECREF(acc);
        Py_XDECREF(n);
        Py_XDECREF(y);
        if (!ok) {
            Py_DECREF(vseq);
            return NULL;
        }
        a = b;
    }
    Py_DECREF(vseq);
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------------- metrics */

static int exact_double(PyObject *v, double *out) {
    if (PyFloat_CheckExact(v)) {
        *out = PyFloat_AS_DOUBLE(v);
        return 1;
    }
    if (PyLong_CheckExact(v)) {
        int overflow = 0;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow || (x == -1 && PyErr_Occurred()) || x > (1LL << 52) || x < -(1LL << 52)) {
            PyErr_Clear();
            return 0;
        }
        *out = (double)x;
        return 1;
    }
    return 0;
}

static int by_index_desc(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x < y) - (x > y);
}

/* metrics(buckets, n, lo, hi, bucket_values) -> (pct_95, stddev, median) | None
 * NumAcc.metrics (pt's _calc_metrics) with the same floating-point operations; None when lo/hi are
 * integers too large to be exact doubles (Python then does it). */
static PyObject *metrics(PyObject *self, PyObject *args) {
    PyObject *buckets, *lo_o, *hi_o, *values;
    long long n;
    if (!PyArg_ParseTuple(args, "O!LOOO!", &PyDict_Type, &buckets, &n, &lo_o, &hi_o, &PyList_Type, &values))
        return NULL;
    double lo, hi;
    if (!exact_double(lo_o, &lo) || !exact_double(hi_o, &hi) || n <= 0 || n > (1LL << 52) ||
        PyList_GET_SIZE(values) != 1000)
        Py_RETURN_NONE;
    if (n == 1 || hi == lo)
        return Py_BuildValue("(OdO)", hi_o, 0.0, hi_o);
    if (n == 2) {
        double mean = (lo + hi) / 2;
        return Py_BuildValue("(Odd)", hi_o, sqrt(libm_pow(hi - mean, 2.0) * 2), mean);
    }
    Py_ssize_t nb = PyDict_GET_SIZE(buckets);
    long *idx = (long *)malloc((size_t)(nb > 0 ? nb : 1) * sizeof(long));
    long long *cnt = (long long *)malloc(1000 * sizeof(long long));
    if (!idx || !cnt) {
        free(idx);
        free(cnt);
        return PyErr_NoMemory();
    }
    Py_ssize_t pos = 0, k = 0;
    PyObject *key, *val;
    while (PyDict_Next(buckets, &pos, &key, &val)) {
        long i = PyLong_AsLong(key);
        long long c = PyLong_AsLongLong(val);
        if (PyErr_Occurred() || i < 0 || i > 999) {
            free(idx);
            free(cnt);
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "metrics: bucket index out of range");
            return NULL;
        }
        idx[k++] = i;
        cnt[i] = c;
    }
    qsort(idx, (size_t)k, sizeof(long), by_index_desc);
    long long cutoff = n >= 10 ? (long long)((double)n * 0.95) : n;
    long long top_vals = n - cutoff, total_left = n, seen = 0, mid = n / 2;
    double median = 0.0, total = 0.0, total_sq = 0.0;
    long bucket_95 = 0, prev = 999;
    for (Py_ssize_t j = 0; j < k; j++) {
        long i = idx[j];
        long long c = cnt[i];
        double value = PyFloat_AsDouble(PyList_GET_ITEM(values, i));
        total_left -= c;
        seen += c;
        if (!bucket_95 && seen > top_vals)
            bucket_95 = i;
        if (median == 0.0 && total_left <= mid)
            median = (cutoff % 2 || c > 1) ? value : (value + PyFloat_AsDouble(PyList_GET_ITEM(values, prev))) / 2;
        total += (double)c * value;
        total_sq += (double)c * libm_pow(value, 2.0);
        prev = i;
    }
    free(idx);
    free(cnt);
    double var = total_sq / (double)n - libm_pow(total / (double)n, 2.0);
    double stddev = var > 0 ? sqrt(var) : 0.0;
    double half = (hi - lo) / 2;
    if (half < stddev)
        stddev = half;
    return Py_BuildValue("(ddd)", PyFloat_AsDouble(PyList_GET_ITEM(values, bucket_95)), stddev, median);
}

static PyMethodDef methods[] = {
    {"skeleton", skeleton, METH_O, "Fingerprint cache key of a plain statement, or None."},
    {"scan", scan, METH_VARARGS, "Take the regular entries of one shape, from pos on."},
    {"sql_state", sql_state_py, METH_O, "Lexical state at the end of statement text (parser.statement_state)."},
    {"fold_accs", fold_accs, METH_VARARGS, "Aggregate one numeric column into the classes' NumAcc."},
    {"fold_bools", fold_bools, METH_VARARGS, "Aggregate one Yes/No column into the classes' BoolAcc."},
    {"metrics", metrics, METH_VARARGS, "pct_95, stddev and median from pt's log buckets."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", "Slow-log fast-path kernels.", -1, methods};

PyMODINIT_FUNC PyInit__speedups(void) {
    s_cnt = PyUnicode_InternFromString("cnt");
    s_isum = PyUnicode_InternFromString("isum");
    s_usum = PyUnicode_InternFromString("usum");
    s_floats = PyUnicode_InternFromString("floats");
    s_lo = PyUnicode_InternFromString("lo");
    s_hi = PyUnicode_InternFromString("hi");
    s_buckets = PyUnicode_InternFromString("buckets");
    s_nums = PyUnicode_InternFromString("nums");
    s_bools = PyUnicode_InternFromString("bools");
    s_yes = PyUnicode_InternFromString("yes");
    if (!s_cnt || !s_isum || !s_usum || !s_floats || !s_lo || !s_hi || !s_buckets || !s_nums || !s_bools || !s_yes)
        return NULL;
    for (int i = 0; i < 1000; i++) {
        bucket_keys[i] = PyLong_FromLong(i);
        if (bucket_keys[i] == NULL)
            return NULL;
    }
    return PyModule_Create(&module);
}
