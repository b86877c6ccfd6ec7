//! The connection thread: one SQLite connection owned by one OS thread, fed closures over a
//! channel, so async callers never block the runtime and writes never contend.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;
use wacast::store::StoreError;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The thread and the sending side of its job queue.
pub(crate) struct Worker {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

fn closed() -> StoreError {
    StoreError::backend("the SQLite connection thread has stopped")
}

/// A rusqlite error as a [`StoreError::Backend`].
pub(crate) fn db(error: rusqlite::Error) -> StoreError {
    StoreError::backend(error)
}

impl Worker {
    /// Starts the thread, opens the connection on it with `open`, and waits for the result.
    pub(crate) async fn start(
        open: impl FnOnce() -> Result<Connection, StoreError> + Send + 'static,
    ) -> Result<Worker, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let (opened, opened_result) = oneshot::channel::<Result<(), StoreError>>();
        let thread = std::thread::Builder::new()
            .name("wacast-sqlite".into())
            .spawn(move || {
                let mut connection = match open() {
                    Ok(connection) => {
                        let _ = opened.send(Ok(()));
                        connection
                    }
                    Err(error) => {
                        let _ = opened.send(Err(error));
                        return;
                    }
                };
                for job in queue {
                    // A panicking job loses its own reply (the caller gets an error) but must
                    // not take the connection down for everyone else.
                    let _ = catch_unwind(AssertUnwindSafe(|| job(&mut connection)));
                }
            })
            .map_err(StoreError::backend)?;
        let worker = Worker {
            jobs: Some(jobs),
            thread: Some(thread),
        };
        opened_result.await.map_err(|_| closed())??;
        Ok(worker)
    }

    /// Runs `job` on the connection thread and returns its result.
    pub(crate) async fn call<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let _ = reply.send(job(connection));
        });
        self.jobs
            .as_ref()
            .ok_or_else(closed)?
            .send(job)
            .map_err(|_| closed())?;
        result.await.map_err(|_| closed())?
    }
}

impl Drop for Worker {
    /// Closes the queue and waits for queued jobs to finish and the connection to close, so
    /// the file is complete and unlocked when the store is gone.
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
