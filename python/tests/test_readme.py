"""The package README's example runs, with `import rustyray as ray`, and prints what its
comments say."""

import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def _example():
    text = README.read_text()
    block = re.search(r"```diff\n(.*?)```", text, re.S).group(1)
    # The rustyray side of the diff: context and added lines, without the marker column.
    return "\n".join(line[1:] for line in block.splitlines() if not line.startswith("-"))


def test_readme_example_prints_what_it_says(capsys):
    code = _example()
    assert "import rustyray as ray" in code
    expected = re.findall(r"print\(.*\)\s+# (\S+)", code)
    assert expected, "the example states its output in comments"
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out.split()
    assert printed == expected
