"""`python app.py` starts the Gradio chat on 127.0.0.1:7860 (builds the index first if needed)."""

from scarbot.ui import launch

if __name__ == "__main__":
    launch()
