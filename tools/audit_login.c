/* audit_login.c - R21: no automatic login, neither in the display managers
 * (gdm, lightdm, sddm) nor on the consoles (getty drop-ins).
 *
 * Every file that turns it on is reported, even if a later file turned it
 * off again: the setting should not be there at all. */
#include "audit.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Called for each "key = value" of an INI-style file, with its section. */
typedef void ini_fn(struct audit *a, const char *rel, unsigned line, const char *section,
                    const char *key, const char *value);

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void parse_ini(struct audit *a, const char *rel, ini_fn *fn)
{
	FILE *f = audit_fopen(a, rel);
	if (f == NULL)
		return;
	char section[128] = "";
	char *line;
	size_t len;
	int rc;
	for (unsigned lineno = 1; (rc = tool_read_line(f, 8192, &line, &len)) != 0; lineno++) {
		if (rc == -3)
			break;
		if (rc < 0)
			continue;
		char *s = trim(line), *eq = strchr(s, '=');
		if (s[0] == '[' && strchr(s, ']') != NULL) {
			*strchr(s, ']') = '\0';
			snprintf(section, sizeof(section), "%s", s + 1);
		} else if (s[0] != '#' && s[0] != ';' && eq != NULL) {
			*eq = '\0';
			fn(a, rel, lineno, section, trim(s), trim(eq + 1));
		}
		tool_free_line(line, len);
	}
	fclose(f);
}

static bool is_true(const char *v)
{
	return strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 || strcmp(v, "1") == 0;
}

static void report(struct audit *a, const char *rel, unsigned line, const char *manager,
                   const char *fix)
{
	audit_add(a, "autologin", AUDIT_HIGH, "R21", rel, line, NULL, fix,
	          _("%s logs a user in automatically, without a password"), manager);
}

static void gdm_key(struct audit *a, const char *rel, unsigned line, const char *section,
                    const char *key, const char *value)
{
	if (strcmp(section, "daemon") == 0 &&
	    (strcmp(key, "AutomaticLoginEnable") == 0 || strcmp(key, "TimedLoginEnable") == 0) &&
	    is_true(value))
		report(a, rel, line, "gdm",
		       _("Set AutomaticLoginEnable=false and TimedLoginEnable=false in the "
		         "[daemon] section."));
}

static void lightdm_key(struct audit *a, const char *rel, unsigned line, const char *section,
                        const char *key, const char *value)
{
	if ((strncmp(section, "Seat:", 5) == 0 || strcmp(section, "SeatDefaults") == 0) &&
	    strcmp(key, "autologin-user") == 0 && value[0] != '\0')
		report(
		    a, rel, line, "lightdm",
		    _("Remove autologin-user (and autologin-user-timeout) from the seat section."));
}

static void sddm_key(struct audit *a, const char *rel, unsigned line, const char *section,
                     const char *key, const char *value)
{
	if (strcmp(section, "Autologin") == 0 && strcmp(key, "User") == 0 && value[0] != '\0')
		report(a, rel, line, "sddm", _("Remove User= from the [Autologin] section."));
}

/* Every *.conf in the directory rel. */
static void parse_dropins(struct audit *a, const char *rel, ini_fn *fn)
{
	char **names = audit_list_dir(a, rel);
	for (char **p = names; p != NULL && *p != NULL; p++) {
		char *path;
		if (!audit_ends_with(*p, ".conf") || asprintf(&path, "%s/%s", rel, *p) < 0)
			continue;
		parse_ini(a, path, fn);
		free(path);
	}
	audit_free_names(names);
}

/* agetty's --autologin USER (or --autologin=USER), or -a USER. */
static bool execstart_autologin(const char *value)
{
	char *copy = strdup(value), *save = NULL;
	bool found = false, dash_a = false;
	for (char *w = copy != NULL ? strtok_r(copy, " \t", &save) : NULL; w != NULL && !found;
	     w = strtok_r(NULL, " \t", &save)) {
		found = strncmp(w, "--autologin", 11) == 0 || dash_a;
		dash_a = strcmp(w, "-a") == 0;
	}
	free(copy);
	return found;
}

static void getty_key(struct audit *a, const char *rel, unsigned line, const char *section,
                      const char *key, const char *value)
{
	if (strcmp(section, "Service") == 0 && strcmp(key, "ExecStart") == 0 &&
	    execstart_autologin(value))
		report(a, rel, line, "getty",
		       _("Remove --autologin (or -a) from ExecStart, then run 'systemctl "
		         "daemon-reload'."));
}

static void audit_getty(struct audit *a)
{
	static const char dir[] = "etc/systemd/system";
	char **names = audit_list_dir(a, dir);
	for (char **p = names; p != NULL && *p != NULL; p++) {
		char *path;
		if ((strncmp(*p, "getty@", 6) != 0 && strncmp(*p, "serial-getty@", 13) != 0) ||
		    !audit_ends_with(*p, ".service.d") || asprintf(&path, "%s/%s", dir, *p) < 0)
			continue;
		parse_dropins(a, path, getty_key);
		free(path);
	}
	audit_free_names(names);
}

void audit_autologin(struct audit *a)
{
	parse_ini(a, "etc/gdm3/custom.conf", gdm_key);
	parse_ini(a, "etc/gdm3/daemon.conf", gdm_key);
	parse_ini(a, "etc/lightdm/lightdm.conf", lightdm_key);
	parse_dropins(a, "etc/lightdm/lightdm.conf.d", lightdm_key);
	parse_ini(a, "etc/sddm.conf", sddm_key);
	parse_dropins(a, "etc/sddm.conf.d", sddm_key);
	audit_getty(a);
}
