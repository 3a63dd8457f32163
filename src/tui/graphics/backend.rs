//! The backend layer that draws pictures: after a frame's cells, it writes what
//! [`Graphics::frame_bytes`] says changed (see the module above for the whole road).
//! Everything else passes to `B` unchanged.

use std::io::Write;

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

use super::Graphics;

/// A backend that writes the frame's picture after its cells.
#[derive(Debug)]
pub struct GraphicsBackend<B> {
    inner: B,
    graphics: Graphics,
}

impl<B> GraphicsBackend<B> {
    /// Wraps `inner`; `graphics` is the handle the draw closure fills.
    pub fn new(inner: B, graphics: Graphics) -> Self {
        GraphicsBackend { inner, graphics }
    }

    /// The wrapped backend.
    pub fn inner(&self) -> &B {
        &self.inner
    }

    /// The wrapped backend, mutably.
    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }
}

impl<B: Write> Write for GraphicsBackend<B> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<B: Backend<Error = std::io::Error> + Write> Backend for GraphicsBackend<B> {
    type Error = std::io::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.graphics.reset();
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        let bytes = self.graphics.frame_bytes();
        if !bytes.is_empty() {
            // Cell output is ratatui's, already in the writer: the picture goes after it.
            Backend::flush(&mut self.inner)?;
            self.inner.write_all(&bytes)?;
        }
        Backend::flush(&mut self.inner)
    }
}
