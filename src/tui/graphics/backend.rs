//! The backend layer that draws pictures: after a frame's cells, it writes what
//! [`Graphics::frame_bytes`] says changed (see the module above for the whole road).
//! Everything else passes to `B` unchanged.

use std::io::Write;

use ratatui::backend::Backend;
use ratatui::buffer::Cell;

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

    /// The pictures this layer writes.
    pub fn graphics(&self) -> &Graphics {
        &self.graphics
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

    crate::tui::guarded_backend::pass_through_backend!();

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.graphics.reset();
        self.inner.clear()
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
