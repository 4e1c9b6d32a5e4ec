"""The parts of the Markdown article import; `knowledge.importer` is its public entry (`import_articles`).

footnotes   footnote rules of the Markdown parser, and the ids that link the numbers to the notes
parser      the Markdown parser (CommonMark, tables, footnotes, raw HTML as text, task boxes)
blocks      Markdown → the StreamField blocks of an article body
files       one file: front matter, validation, body → an `ArticleFile`
links       links between the imported files, and to the site's articles
writing     topics, pages, revisions, related and promoted articles
"""
