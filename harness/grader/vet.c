/*
 * vet.c - read the student's compiled objects before they are linked beside
 * the kit, and refuse what no lab needs and what could reach the grader's
 * records: code that runs before or after main (constructors, destructors,
 * ifuncs), names reserved for the compiler's libraries (the sanitizers call
 * some of them as the program starts), and calls into the test runner, the
 * thread tracker, the sanitizers' own interface or another process.  It
 * never runs the objects: it reads them as ELF data (<elf.h>).
 *
 *   vet --variant plain|tsan|asan|bench --api FILE [--kit OBJ]... [--tests OBJ]...
 *       [--given OBJ]... [--lib SHARED_LIB]... -- STUDENT_OBJ...
 *
 * --kit: the harness's objects of the program (the runner and the thread
 * tracker; a timing driver's kit): the student may call nothing they define
 * but not_implemented and sched_atomic (the scheduler's hook, which
 * sched_atomic.h puts in).  --tests: the lab's tests or timing driver, whose
 * calls into the student's code make the lab's API (they may also define C
 * library functions, to watch the student's calls: those the student may
 * call).  --given: the lab's given code (support/, STUDENT_EXTRA), which the
 * student may call.  --lib: the shared C library and libm, whose names are
 * never the lab's API (a student's write stays the student's).  Prints
 * one line a finding,
 *     refused: threads.c:14: a constructor (lab code may not run before main)
 *     review: threads.c:30: calls syscall (raw system calls)
 * and writes to --api the student's globals that the kit's or the given
 * code's objects refer to: the lab's API, the only globals the build keeps
 * (harness/scripts/build_student.sh makes every other one local).
 * Exit: 0 nothing refused, 1 something refused, 2 could not vet.
 */
#include <elf.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct object {
    const char *path;
    const unsigned char *data;
    size_t size;
    const Elf64_Ehdr *eh;
    const Elf64_Shdr *sh;
    const char *shstr;
    const Elf64_Sym *syms;
    size_t nsyms;
    const char *str;
    size_t strsize;
    char source[256];   /* the STT_FILE symbol: the file it was compiled from */
};

/* A set of names: sorted once, then searched. */
struct names {
    const char **v;
    size_t n, cap;
};

/* kit_defined, kit_called: what the harness's objects define and call;
 * api_called: what the tests and the given code call; library: what the
 * shared C library and libm define. */
static struct names kit_defined, kit_called, api_called, given_defined, student_defined, library;
static const char *variant = "plain";
static int refused;

static _Noreturn void cannot(const char *what, const char *path)
{
    fprintf(stderr, "vet: cannot vet %s: %s\n", path, what);
    exit(2);
}

static void add(struct names *s, const char *name)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 256;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            cannot("out of memory", "");
    }
    s->v[s->n++] = name;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void seal(struct names *s) { qsort(s->v, s->n, sizeof *s->v, by_name); }

static bool has(const struct names *s, const char *name)
{
    return s->n && bsearch(&name, s->v, s->n, sizeof *s->v, by_name);
}

/* Map an ELF64 object of this machine's byte order (relocatable, or with
 * `shared` a shared library), checking every table it points to lies inside
 * the file; the symbol table is .symtab (.dynsym for a library). */
static void load_elf(const char *path, struct object *o, bool shared)
{
    memset(o, 0, sizeof *o);
    o->path = path;
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < (off_t)sizeof(Elf64_Ehdr))
        cannot("cannot read it", path);
    o->size = (size_t)st.st_size;
    o->data = mmap(NULL, o->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (o->data == MAP_FAILED)
        cannot("cannot map it", path);
    o->eh = (const Elf64_Ehdr *)o->data;
    const unsigned char *id = o->eh->e_ident;
    union { unsigned short s; unsigned char c; } order = {1};
    if (memcmp(id, ELFMAG, SELFMAG) != 0 || id[EI_CLASS] != ELFCLASS64 ||
        id[EI_DATA] != (order.c ? ELFDATA2LSB : ELFDATA2MSB) ||
        o->eh->e_type != (shared ? ET_DYN : ET_REL))
        cannot(shared ? "not a 64-bit shared library of this machine"
                      : "not a 64-bit relocatable object of this machine", path);
    if (o->eh->e_shentsize != sizeof(Elf64_Shdr) || o->eh->e_shnum == 0 ||
        o->eh->e_shoff > o->size ||
        (o->size - o->eh->e_shoff) / sizeof(Elf64_Shdr) < o->eh->e_shnum ||
        o->eh->e_shstrndx >= o->eh->e_shnum)
        cannot("a malformed section table", path);
    o->sh = (const Elf64_Shdr *)(o->data + o->eh->e_shoff);
    for (unsigned i = 0; i < o->eh->e_shnum; i++)
        if (o->sh[i].sh_type != SHT_NOBITS &&
            (o->sh[i].sh_offset > o->size || o->size - o->sh[i].sh_offset < o->sh[i].sh_size))
            cannot("a section outside the file", path);
    const Elf64_Shdr *names = &o->sh[o->eh->e_shstrndx];
    o->shstr = (const char *)o->data + names->sh_offset;
    if (names->sh_size == 0 || o->shstr[names->sh_size - 1] != '\0')
        cannot("malformed section names", path);
    for (unsigned i = 0; i < o->eh->e_shnum; i++) {
        if (o->sh[i].sh_name >= names->sh_size)
            cannot("malformed section names", path);
        if (o->sh[i].sh_type != (shared ? SHT_DYNSYM : SHT_SYMTAB))
            continue;
        if (o->sh[i].sh_link >= o->eh->e_shnum || o->sh[i].sh_entsize != sizeof(Elf64_Sym))
            cannot("a malformed symbol table", path);
        const Elf64_Shdr *str = &o->sh[o->sh[i].sh_link];
        o->syms = (const Elf64_Sym *)(o->data + o->sh[i].sh_offset);
        o->nsyms = o->sh[i].sh_size / sizeof(Elf64_Sym);
        o->str = (const char *)o->data + str->sh_offset;
        o->strsize = str->sh_size;
        if (o->strsize == 0 || o->str[o->strsize - 1] != '\0')
            cannot("malformed symbol names", path);
    }
    for (size_t k = 0; k < o->nsyms; k++)
        if (o->syms[k].st_name >= o->strsize)
            cannot("malformed symbol names", path);
    const char *slash = strrchr(path, '/');
    snprintf(o->source, sizeof o->source, "%s", slash ? slash + 1 : path);
    for (size_t k = 0; k < o->nsyms; k++)
        if (ELF64_ST_TYPE(o->syms[k].st_info) == STT_FILE) {
            const char *f = o->str + o->syms[k].st_name;
            snprintf(o->source, sizeof o->source, "%s", strrchr(f, '/') ? strrchr(f, '/') + 1 : f);
            break;
        }
}

static void load(const char *path, struct object *o) { load_elf(path, o, false); }

static const char *sec_name(const struct object *o, size_t i) { return o->shstr + o->sh[i].sh_name; }
static const char *sym_name(const struct object *o, const Elf64_Sym *s) { return o->str + s->st_name; }

static bool is_global(const Elf64_Sym *s)
{
    int bind = ELF64_ST_BIND(s->st_info);
    return bind == STB_GLOBAL || bind == STB_WEAK || bind == STB_GNU_UNIQUE;
}

/* Record an object's global names: defined ones into `defined`, the ones it
 * refers to into `undefined` (either may be NULL). */
static void collect(const struct object *o, struct names *defined, struct names *undefined)
{
    for (size_t k = 1; k < o->nsyms; k++) {
        const Elf64_Sym *s = &o->syms[k];
        if (!is_global(s) || !*sym_name(o, s))
            continue;
        struct names *into = s->st_shndx == SHN_UNDEF ? undefined : defined;
        if (into)
            add(into, sym_name(o, s));
    }
}

/* ---- where: file:line, from the object's debugging information --------- */

/* The line of `path` at or above `line` (at most 30 above) that holds
 * `word`, or `line`: an optimised function's first instruction can belong
 * to its first statement, and the attribute that makes it a constructor is
 * what the student should see. */
static long line_with(const char *path, long line, const char *word)
{
    FILE *f = word ? fopen(path, "r") : NULL;
    if (!f)
        return line;
    char text[1024];
    long found = line;
    for (long n = 1; n <= line && fgets(text, sizeof text, f); n++)
        if (n >= line - 30 && strstr(text, word))
            found = n;
    fclose(f);
    return found;
}

/* "threads.c:14" for an offset into section `sec`, asking addr2line (binutils,
 * which the kit's diagnoses use too), or the line above it that holds
 * `word` (NULL: none); "threads.c" when it cannot say. */
static void where(const struct object *o, size_t sec, Elf64_Addr offset, const char *word,
                  char *out, size_t size)
{
    snprintf(out, size, "%s", o->source);
    if (sec == 0 || sec >= o->eh->e_shnum || !(o->sh[sec].sh_flags & SHF_EXECINSTR))
        return;
    int fds[2];
    if (pipe(fds) != 0)
        return;
    char address[32];
    snprintf(address, sizeof address, "0x%llx", (unsigned long long)offset);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
        execlp("addr2line", "addr2line", "-e", o->path, "-j", sec_name(o, sec), address, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char line[1024] = "";
    ssize_t n = pid > 0 ? read(fds[0], line, sizeof line - 1) : -1;
    close(fds[0]);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    if (n <= 0)
        return;
    line[n] = '\0';
    line[strcspn(line, "\n ")] = '\0';
    char *colon = strrchr(line, ':');
    if (!colon || line[0] == '?' || colon[1] == '?' || colon[1] == '0')
        return;
    *colon = '\0';
    long number = line_with(line, atol(colon + 1), word);
    const char *base = strrchr(line, '/') ? strrchr(line, '/') + 1 : line;
    snprintf(out, size, "%s:%ld", base, number);
}

static void finding(const char *kind, const struct object *o, size_t sec, Elf64_Addr offset,
                    const char *fmt, const char *name)
{
    char at[512], what[1024];
    snprintf(what, sizeof what, fmt, name);
    /* A constructor or destructor is shown at its attribute, a definition
     * at its name: the lines an optimiser cannot move. */
    const char *word = strstr(what, "a constructor") ? "constructor"
                       : strstr(what, "a destructor") ? "destructor"
                       : strncmp(what, "defines ", 8) == 0 || strncmp(what, "an ifunc", 8) == 0 ? name
                       : NULL;
    where(o, sec, offset, word, at, sizeof at);
    printf("%s: %s: %s\n", kind, at, what);
    if (!strcmp(kind, "refused"))
        refused++;
}

/* The first place in code that refers to symbol k: section and offset. */
static bool first_use(const struct object *o, size_t k, size_t *sec, Elf64_Addr *offset)
{
    for (unsigned i = 0; i < o->eh->e_shnum; i++) {
        const Elf64_Shdr *r = &o->sh[i];
        if (r->sh_type != SHT_RELA || r->sh_info >= o->eh->e_shnum ||
            !(o->sh[r->sh_info].sh_flags & SHF_EXECINSTR) || r->sh_entsize != sizeof(Elf64_Rela))
            continue;
        const Elf64_Rela *rel = (const Elf64_Rela *)(o->data + r->sh_offset);
        for (size_t j = 0; j < r->sh_size / sizeof *rel; j++)
            if (ELF64_R_SYM(rel[j].r_info) == k) {
                *sec = r->sh_info;
                *offset = rel[j].r_offset;
                return true;
            }
    }
    return false;
}

/* ---- sections: only code and data ---------------------------------------- */

static bool starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

/* Sections that run code at start-up or exit: the linker gathers them by name. */
static int startup_kind(const char *name, unsigned type)
{
    if (starts(name, ".init_array") || starts(name, ".preinit_array") || starts(name, ".ctors") ||
        type == SHT_INIT_ARRAY || type == SHT_PREINIT_ARRAY)
        return 'I';
    if (starts(name, ".fini_array") || starts(name, ".dtors") || type == SHT_FINI_ARRAY)
        return 'F';
    return 0;
}

/* What a C compiler puts in an object of lab code, and nothing more. */
static bool ordinary_section(const char *name)
{
    static const char *exact[] = {"", ".text", ".data", ".bss", ".rodata", ".tdata", ".tbss",
                                  ".comment", ".note.GNU-stack", ".note.gnu.property", ".eh_frame",
                                  ".llvm_addrsig", ".group", ".symtab", ".strtab", ".shstrtab",
                                  ".symtab_shndx", "asan_globals"};
    static const char *prefix[] = {".text.", ".data.", ".bss.", ".rodata.", ".tdata.", ".tbss.",
                                   ".debug_"};
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (!strcmp(name, exact[i]))
            return true;
    for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++)
        if (starts(name, prefix[i]))
            return true;
    return false;
}

/* The function an array entry points to: a symbol, or a section plus offset. */
static const char *entry_target(const struct object *o, const Elf64_Rela *rel, size_t *sec,
                                Elf64_Addr *offset, bool *local)
{
    size_t k = ELF64_R_SYM(rel->r_info);
    if (k == 0 || k >= o->nsyms)
        return NULL;
    const Elf64_Sym *s = &o->syms[k];
    *sec = s->st_shndx;
    *offset = s->st_value + (Elf64_Addr)rel->r_addend;
    *local = ELF64_ST_BIND(s->st_info) == STB_LOCAL;
    if (ELF64_ST_TYPE(s->st_info) != STT_SECTION)
        return sym_name(o, s);
    for (size_t j = 1; j < o->nsyms; j++)
        if (o->syms[j].st_shndx == s->st_shndx && o->syms[j].st_value == *offset &&
            ELF64_ST_TYPE(o->syms[j].st_info) == STT_FUNC) {
            *local = ELF64_ST_BIND(o->syms[j].st_info) == STB_LOCAL;
            return sym_name(o, &o->syms[j]);
        }
    return "";
}

/* A sanitizer build's own module constructor (or ASan's destructor), as gcc
 * 12 (_sub_I_00099_0) and clang 14 (tsan.module_ctor) name them: one an
 * object, and only in that sanitizer's build.  Lab code cannot take these
 * names: the compiler's own is always there, and a second would clash. */
static bool sanitizer_module_function(int kind, const char *name)
{
    bool tsan = !strcmp(variant, "tsan"), asan = !strcmp(variant, "asan");
    if (kind == 'I')
        return ((tsan || asan) && !fnmatch("_sub_I_00099_[0-9]*", name, 0)) ||
               (tsan && !strcmp(name, "tsan.module_ctor")) || (asan && !strcmp(name, "asan.module_ctor"));
    return asan && (!fnmatch("_sub_D_00099_[0-9]*", name, 0) || !strcmp(name, "asan.module_dtor"));
}

static void vet_sections(const struct object *o)
{
    int seen_init = 0, seen_fini = 0;
    for (unsigned i = 1; i < o->eh->e_shnum; i++) {
        const Elf64_Shdr *s = &o->sh[i];
        const char *name = sec_name(o, i);
        if (s->sh_type == SHT_RELA || s->sh_type == SHT_REL)
            continue;   /* judged with the section they apply to */
        int kind = startup_kind(name, s->sh_type);
        if (!kind) {
            if (!ordinary_section(name))
                finding("refused", o, 0, 0, "a section no lab needs, %s (the linker may treat it "
                        "specially: lab code needs only code and data)", name);
            continue;
        }
        const char *what = kind == 'I' ? "a constructor (lab code may not run before main)"
                                       : "a destructor (lab code may not run after main)";
        /* Every entry, each with its relocation: the function it runs. */
        size_t entries = s->sh_size / 8, resolved = 0;
        for (unsigned j = 1; j < o->eh->e_shnum; j++) {
            const Elf64_Shdr *r = &o->sh[j];
            if (r->sh_type != SHT_RELA || r->sh_info != i || r->sh_entsize != sizeof(Elf64_Rela))
                continue;
            const Elf64_Rela *rel = (const Elf64_Rela *)(o->data + r->sh_offset);
            for (size_t e = 0; e < r->sh_size / sizeof *rel; e++) {
                size_t sec = 0;
                Elf64_Addr offset = 0;
                bool local = false;
                const char *fn = entry_target(o, &rel[e], &sec, &offset, &local);
                int *seen = kind == 'I' ? &seen_init : &seen_fini;
                resolved++;
                if (fn && local && (starts(name, ".init_array") || starts(name, ".fini_array")) &&
                    sanitizer_module_function(kind, fn) && (*seen)++ == 0)
                    continue;
                finding("refused", o, sec, offset, "%s", what);
            }
        }
        if (resolved < entries)
            finding("refused", o, 0, 0, "%s", what);
    }
}

/* ---- names: what is defined, and what is called --------------------------- */

/* Reserved for the implementation in every scope (C11 7.1.3). */
static bool reserved(const char *name)
{
    return name[0] == '_' && (name[1] == '_' || (name[1] >= 'A' && name[1] <= 'Z'));
}

/* Reserved names an AddressSanitizer build defines itself in every object:
 * ODR indicators (gcc's __odr_asan.x, clang's __odr_asan_gen_x) and clang's
 * once-only registration flag. */
static bool compiler_defined(const char *name)
{
    return strchr(name, '.') || !strncmp(name, "__odr_asan", 10) || !strncmp(name, "___asan_", 8) ||
           !strncmp(name, "__asan_gen_", 11);
}

/* What ThreadSanitizer and AddressSanitizer builds call on their own, as
 * gcc 12 and clang 14 emit it: memory accesses, function entry and exit,
 * atomics, stack frames, globals and start-up.  The rest of their interface
 * (annotations, suppressions, report paths, leak-check switches) can hide
 * what they find, so lab code may not call it. */
static bool sanitizer_instrumentation(const char *name)
{
    static const char *patterns[] = {
        "__tsan_read[0-9]*", "__tsan_write[0-9]*", "__tsan_unaligned_read[0-9]*",
        "__tsan_unaligned_write[0-9]*", "__tsan_volatile_read[0-9]*", "__tsan_volatile_write[0-9]*",
        "__tsan_read_range", "__tsan_write_range", "__tsan_func_entry", "__tsan_func_exit",
        "__tsan_init", "__tsan_atomic[0-9]*_*", "__tsan_atomic_thread_fence",
        "__tsan_atomic_signal_fence", "__tsan_vptr_update", "__tsan_vptr_read", "__tsan_memcpy",
        "__tsan_memset", "__tsan_memmove",
        "__asan_report_load*", "__asan_report_store*", "__asan_report_exp_*", "__asan_load[0-9N]*",
        "__asan_store[0-9N]*", "__asan_exp_load*", "__asan_exp_store*", "__asan_init",
        "__asan_version_mismatch_check_v[0-9]*", "__asan_register_globals",
        "__asan_unregister_globals", "__asan_register_elf_globals", "__asan_unregister_elf_globals",
        "__asan_register_image_globals", "__asan_unregister_image_globals",
        "__asan_stack_malloc_[0-9]*", "__asan_stack_malloc_always_[0-9]*", "__asan_stack_free_[0-9]*",
        "__asan_option_detect_stack_use_after_return", "__asan_handle_no_return",
        "__asan_alloca_poison", "__asan_allocas_unpoison", "__asan_set_shadow_[0-9a-f][0-9a-f]",
        "__asan_memcpy", "__asan_memset", "__asan_memmove", "__asan_before_dynamic_init",
        "__asan_after_dynamic_init", "__asan_shadow_memory_dynamic_address",
        "__asan_poison_stack_memory", "__asan_unpoison_stack_memory", "__asan_ptr_cmp",
        "__asan_ptr_sub"};
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++)
        if (!fnmatch(patterns[i], name, 0))
            return true;
    return false;
}

static bool in_list(const char *name, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(name, *list))
            return true;
    return false;
}

/* Why lab code may not call `name`, or NULL if it may. */
static const char *forbidden_call(const char *name)
{
    static const char *const lookup[] = {"dlopen", "dlmopen", "dlsym", "dlvsym", "dladdr", "dladdr1",
                                         "dlinfo", "dl_iterate_phdr", "_r_debug", NULL};
    static const char *const other_process[] = {"ptrace", "process_vm_readv", "process_vm_writev",
                                                "pidfd_getfd", NULL};
    static const char *const layout[] = {"main", "_start", "_init", "_fini", "etext", "edata", "end",
                                         "_etext", "_edata", "_end", "__executable_start",
                                         "__ehdr_start", "__bss_start", "__data_start", "data_start",
                                         "_DYNAMIC", "__GNU_EH_FRAME_HDR", "_IO_stdin_used",
                                         "__TMC_END__", "__dso_handle", NULL};
    static const char *const sanitizers[] = {"__tsan_", "__asan_", "__lsan_", "__msan_", "__ubsan_",
                                             "__hwasan_", "__dfsan_", "__sanitizer_", "__interceptor_",
                                             NULL};
    static const char *const check[] = {"srunner_", "suite_", "tcase_", "tr_", "ck_", "_ck_",
                                        "check_fork", "check_waitpid_and_exit", NULL};
    if (starts(name, "__real_") || starts(name, "__wrap_"))
        return "calls %s, which goes around the kit's thread tracker";
    for (const char *const *p = sanitizers; *p; p++)
        if (starts(name, *p) && !sanitizer_instrumentation(name))
            return "calls %s, part of the sanitizers' own interface (it can hide what they find)";
    if (in_list(name, lookup) || starts(name, "_dl_") ||
        (starts(name, "__libc_") && !starts(name, "__libc_current_sigrt")))
        return "looks up the program's own functions by name (%s)";
    if (in_list(name, other_process))
        return "reaches into another process (%s)";
    bool asan_globals = !strcmp(name, "__start_asan_globals") || !strcmp(name, "__stop_asan_globals");
    if (in_list(name, layout) || ((starts(name, "__start_") || starts(name, "__stop_")) && !asan_globals) ||
        starts(name, "__init_array_") || starts(name, "__fini_array_") ||
        starts(name, "__preinit_array_"))
        return "refers to %s, which the linker or the C start-up code defines (the test program's "
               "own layout)";
    for (const char *const *p = check; *p; p++)
        if (starts(name, *p))
            return "calls %s, which belongs to the test runner (lab code may call the C library, "
                   "its own lab's functions and the given code)";
    if (has(&kit_defined, name))
        return "calls %s, which belongs to the test runner (lab code may call the C library, "
               "its own lab's functions and the given code)";
    return NULL;
}

/* Calls an instructor may want to look at; they cost nothing. */
static const char *notable_call(const char *name)
{
    if (!strcmp(name, "syscall"))
        return "calls syscall (raw system calls, which no lab needs)";
    if (!strcmp(name, "mprotect") || !strcmp(name, "pkey_mprotect"))
        return "calls %s (changes what memory may be written or run)";
    return NULL;
}

static void vet_symbols(const struct object *o)
{
    for (size_t k = 1; k < o->nsyms; k++) {
        const Elf64_Sym *s = &o->syms[k];
        const char *name = sym_name(o, s);
        if (s->st_shndx != SHN_UNDEF) {
            if (ELF64_ST_TYPE(s->st_info) == STT_GNU_IFUNC)
                finding("refused", o, s->st_shndx, s->st_value, "an ifunc, %s (its resolver runs "
                        "while the program loads, before main)", name);
            else if (is_global(s) && reserved(name) && !compiler_defined(name))
                finding("refused", o, s->st_shndx, s->st_value, "defines %s: names that start with __ "
                        "or _ and a capital letter belong to the compiler and its libraries (the "
                        "sanitizers call some of them as the program starts)", name);
            else if (is_global(s) && !has(&given_defined, name) &&
                     (has(&kit_defined, name) || forbidden_call(name)))
                finding("review", o, s->st_shndx, s->st_value, "defines %s, a name the test runner "
                        "also has: made private to this lab's code, so the runner keeps its own", name);
            continue;
        }
        /* not_implemented: the skeleton's TODOs; sched_atomic: the call that
         * sched_atomic.h (forced into the student's files) puts before each
         * atomic operation, a switch point of the scheduler and nothing more. */
        if (!is_global(s) || !*name || has(&student_defined, name) || has(&given_defined, name) ||
            !strcmp(name, "not_implemented") || !strcmp(name, "sched_atomic"))
            continue;
        size_t sec = 0;
        Elf64_Addr offset = 0;
        first_use(o, k, &sec, &offset);
        const char *why = forbidden_call(name);
        if (why)
            finding("refused", o, sec, offset, why, name);
        else if ((why = notable_call(name)))
            finding("review", o, sec, offset, why, name);
    }
}

/* ---- code and data worth a look: raw system calls, /proc ------------------- */

static void vet_contents(const struct object *o)
{
    for (unsigned i = 1; i < o->eh->e_shnum; i++) {
        const Elf64_Shdr *s = &o->sh[i];
        if (s->sh_type != SHT_PROGBITS || !(s->sh_flags & SHF_ALLOC))
            continue;
        const unsigned char *p = o->data + s->sh_offset;
        if (s->sh_flags & SHF_EXECINSTR) {
            /* x86-64's syscall, sysenter and int 0x80; AArch64's svc #0. */
            for (size_t j = 0; j + 1 < s->sh_size; j++) {
                bool x86 = o->eh->e_machine == EM_X86_64 &&
                           ((p[j] == 0x0f && (p[j + 1] == 0x05 || p[j + 1] == 0x34)) ||
                            (p[j] == 0xcd && p[j + 1] == 0x80));
                bool arm = o->eh->e_machine == EM_AARCH64 && j % 4 == 0 && j + 3 < s->sh_size &&
                           !memcmp(p + j, "\x01\x00\x00\xd4", 4);
                if (x86 || arm) {
                    finding("review", o, i, j, "%s", "a raw system call instruction (perhaps only "
                            "bytes that look like one; no lab needs one)");
                    break;
                }
            }
            continue;
        }
        for (size_t j = 0; j + 6 <= s->sh_size; j++)
            if (!memcmp(p + j, "/proc/", 6)) {
                char text[48];
                size_t n = 0;
                while (n + 1 < sizeof text && j + n < s->sh_size && p[j + n] >= 0x20 && p[j + n] < 0x7f)
                    text[n] = (char)p[j + n], n++;
                text[n] = '\0';
                finding("review", o, 0, 0, "names %s (the kernel's view of processes)", text);
                break;
            }
    }
}

int main(int argc, char **argv)
{
    const char *api = NULL;
    struct object *students = calloc((size_t)argc, sizeof *students);
    int nstudents = 0;
    bool objects = false;
    for (int i = 1; i < argc; i++) {
        struct object o;
        if (objects) {
            load(argv[i], &students[nstudents]);
            collect(&students[nstudents++], &student_defined, NULL);
        } else if (!strcmp(argv[i], "--")) {
            objects = true;
        } else if (i + 1 < argc && !strcmp(argv[i], "--variant")) {
            variant = argv[++i];
        } else if (i + 1 < argc && !strcmp(argv[i], "--api")) {
            api = argv[++i];
        } else if (i + 1 < argc && !strcmp(argv[i], "--kit")) {
            load(argv[++i], &o);
            collect(&o, &kit_defined, &kit_called);
        } else if (i + 1 < argc && !strcmp(argv[i], "--tests")) {
            load(argv[++i], &o);
            collect(&o, NULL, &api_called);
        } else if (i + 1 < argc && !strcmp(argv[i], "--given")) {
            load(argv[++i], &o);
            collect(&o, &given_defined, &api_called);
        } else if (i + 1 < argc && !strcmp(argv[i], "--lib")) {
            load_elf(argv[++i], &o, true);
            collect(&o, &library, NULL);
        } else {
            fprintf(stderr, "usage: vet --variant plain|tsan|asan|bench --api FILE [--kit OBJ]... "
                            "[--tests OBJ]... [--given OBJ]... [--lib SHARED_LIB]... -- STUDENT_OBJ...\n");
            return 2;
        }
    }
    if (!api || nstudents == 0)
        return fprintf(stderr, "vet: no --api file or no student objects\n"), 2;
    seal(&kit_defined);
    seal(&kit_called);
    seal(&api_called);
    seal(&library);
    seal(&given_defined);
    seal(&student_defined);

    for (int i = 0; i < nstudents; i++) {
        vet_sections(&students[i]);
        vet_symbols(&students[i]);
        vet_contents(&students[i]);
    }

    /* The lab's API: the student's globals that the tests or the given code
     * call, and that nothing else could mean: never a name the C library,
     * the runner or the tracker define or call (a student's write made
     * global would be the runner's write too), nor Check's, nor a reserved
     * one.  Every other global of the student's is made local. */
    FILE *f = fopen(api, "w");
    if (!f)
        cannot("cannot write the API list", api);
    for (size_t i = 0; i < student_defined.n; i++) {
        const char *name = student_defined.v[i];
        if ((i == 0 || strcmp(name, student_defined.v[i - 1])) && has(&api_called, name) &&
            !has(&library, name) && !has(&kit_defined, name) && !has(&kit_called, name) &&
            !reserved(name) && !forbidden_call(name))
            fprintf(f, "%s\n", name);
    }
    if (fclose(f) != 0)
        cannot("cannot write the API list", api);
    fflush(stdout);
    return refused ? 1 : 0;
}
