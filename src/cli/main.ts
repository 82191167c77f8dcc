console.log('gradebox');
