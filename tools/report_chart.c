/* report_chart.c - the charts of the HTML report as inline SVG: no
 * script, no external file, nothing for a browser to fetch. Every text
 * that reaches the page goes through html_text. */
#include "report.h"

void html_text(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

/* A length in an SVG attribute, with two decimals. Not printf's %f: the
 * tool runs under setlocale(LC_ALL, ""), and under de_DE or fr_FR its
 * decimal comma would turn "62.83 376.99" into four numbers. */
static void svg_num(FILE *out, double v)
{
	long long h = (long long)(v * 100 + (v < 0 ? -0.5 : 0.5)); /* rounded */
	long long a = h < 0 ? -h : h;
	fprintf(out, "%s%lld.%02lld", h < 0 ? "-" : "", a / 100, a % 100);
}

#define PI           3.14159265358979323846
#define DONUT_R      70
#define DONUT_STROKE 30
#define DONUT_SIZE   180

/* Each slice is an arc of one circle drawn with a dash as long as its
 * share; the circle starts at 12 o'clock and goes clockwise. */
void chart_donut(FILE *out, const struct chart_slice *s, size_t n, const char *title)
{
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += s[i].value;
	double c = 2 * PI * DONUT_R, at = 0;
	fprintf(out,
	        "<svg class=\"donut\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
	        "role=\"img\" aria-label=\"",
	        DONUT_SIZE, DONUT_SIZE, DONUT_SIZE, DONUT_SIZE);
	html_text(out, title);
	fprintf(out,
	        "\"><circle cx=\"90\" cy=\"90\" r=\"%d\" fill=\"none\" stroke=\"#e8eaed\" "
	        "stroke-width=\"%d\"/>\n",
	        DONUT_R, DONUT_STROKE);
	for (size_t i = 0; total > 0 && i < n; i++) {
		if (s[i].value == 0)
			continue;
		double len = c * (double)s[i].value / (double)total;
		fprintf(out,
		        "<circle cx=\"90\" cy=\"90\" r=\"%d\" fill=\"none\" stroke=\"%s\" "
		        "stroke-width=\"%d\" stroke-dasharray=\"",
		        DONUT_R, s[i].color, DONUT_STROKE);
		svg_num(out, len);
		fputc(' ', out);
		svg_num(out, c - len);
		fputs("\" stroke-dashoffset=\"", out);
		svg_num(out, -at);
		fputs("\" transform=\"rotate(-90 90 90)\"><title>", out);
		html_text(out, s[i].label);
		fprintf(out, ": %zu</title></circle>\n", s[i].value);
		at += len;
	}
	fprintf(out,
	        "<text x=\"90\" y=\"92\" text-anchor=\"middle\" class=\"donut-total\">%zu</text>\n"
	        "<text x=\"90\" y=\"114\" text-anchor=\"middle\" class=\"donut-label\">",
	        total);
	html_text(out, title);
	fputs("</text></svg>\n", out);
}

#define BAR_LABEL 150
#define BAR_WIDTH 380
#define BAR_ROW   30
#define BAR_H     18

/* One bar: its label, a rectangle per slice scaled to max, its total. */
static void bar_row(FILE *out, int y, const char *label, const struct chart_slice *slices,
                    size_t nslices, size_t max)
{
	double x = BAR_LABEL;
	size_t total = 0;
	fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\" class=\"bar-label\">",
	        BAR_LABEL - 8, y + 14);
	html_text(out, label);
	fputs("</text>\n", out);
	for (size_t k = 0; k < nslices; k++) {
		const struct chart_slice *s = &slices[k];
		total += s->value;
		if (s->value == 0 || max == 0)
			continue;
		double w = BAR_WIDTH * (double)s->value / (double)max;
		fputs("<rect x=\"", out);
		svg_num(out, x);
		fprintf(out, "\" y=\"%d\" width=\"", y);
		svg_num(out, w);
		fprintf(out, "\" height=\"%d\" fill=\"%s\"><title>", BAR_H, s->color);
		html_text(out, label);
		fputs(" \xe2\x80\x94 ", out); /* em dash */
		html_text(out, s->label);
		fprintf(out, ": %zu</title></rect>\n", s->value);
		x += w;
	}
	fputs("<text x=\"", out);
	svg_num(out, x + 6);
	fprintf(out, "\" y=\"%d\" class=\"bar-total\">%zu</text>\n", y + 14, total);
}

void chart_bars(FILE *out, const char *const *labels, size_t nrows,
                const struct chart_slice *const *rows, size_t nslices, const char *title)
{
	size_t max = 0;
	for (size_t r = 0; r < nrows; r++) {
		size_t t = 0;
		for (size_t k = 0; k < nslices; k++)
			t += rows[r][k].value;
		max = t > max ? t : max;
	}
	int width = BAR_LABEL + BAR_WIDTH + 50, height = (int)nrows * BAR_ROW + 4;
	fprintf(out,
	        "<svg class=\"bars\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
	        "aria-label=\"",
	        width, height, width, height);
	html_text(out, title);
	fputs("\">\n", out);
	for (size_t r = 0; r < nrows; r++)
		bar_row(out, (int)r * BAR_ROW + 4, labels[r], rows[r], nslices, max);
	fputs("</svg>\n", out);
}
